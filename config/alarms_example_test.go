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
