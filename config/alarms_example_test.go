package config_test

import (
	"fmt"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/config"
)

func ExampleConfig_AlarmConfig() {
	c, err := config.Parse([]byte(`
sources:
  - {name: studio, device: default}
  - {name: web, device: default, alarms: {profile: streaming}}
alarms:
  profile: ebu-r128
  silence: {on_delay: 5s}
`), "levelmeter.yaml")
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, s := range c.Sources {
		a, _ := c.AlarmConfig(i)
		hi, sil := a.Rules[alarm.LoudnessHigh], a.Rules[alarm.Silence]
		fmt.Printf("%s: silence after %v below %v dBFS; loudness_high above %v LUFS\n", s.Name, sil.OnDelay, sil.Threshold, hi.Threshold)
	}
	// Output:
	// studio: silence after 5s below -50 dBFS; loudness_high above -22 LUFS
	// web: silence after 5s below -50 dBFS; loudness_high above -13 LUFS
}

// ValidateProfiles checks what `levelmeter analyze --profile` takes from a file: the custom profiles, not the
// sources (here a file that is not there).
func ExampleConfig_ValidateProfiles() {
	c, err := config.Parse([]byte(`
sources: [{wav: elsewhere.wav}]
profiles:
  - {name: house, target: -16, tolerance: 1, max_true_peak: -1.5}
`), "levelmeter.yaml")
	if err == nil {
		err = c.ValidateProfiles()
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := c.LookupProfile("house")
	fmt.Printf("%s: %v LUFS ±%v LU, true peak at most %v dBTP\n", p.Name, p.Target, p.Tolerance, p.MaxTruePeak)
	_, err = c.LookupProfile("hose")
	fmt.Println(err)
	// Output:
	// house: -16 LUFS ±1 LU, true peak at most -1.5 dBTP
	// alarm: unknown profile "hose"; did you mean house?
}
