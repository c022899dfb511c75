package web

import (
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/pipeline"
)

// An Alarm is one alarm active on a source, as the page shows it in the source's badges.
type Alarm struct {
	Name  string    `json:"name"`  // the detector's name, such as "silence" or "true_peak_over"
	Since time.Time `json:"since"` // when it became active
	Value Float     `json:"value"` // the value that raised it (its unit is the detector's), null if none
}

// A Target is a loudness target, drawn on a source's loudness history as a band.
type Target struct {
	Name        string `json:"name,omitempty"` // the profile's name, such as "ebu-r128"
	LUFS        Float  `json:"lufs"`           // the target loudness
	Tolerance   Float  `json:"tolerance"`      // LU either side of LUFS; null or 0 draws only the line
	MaxTruePeak Float  `json:"maxTruePeak"`    // dBTP ceiling; null if the profile has none
}

// maxAlarmNames is how many distinct alarm names the history can tell apart (one bit each in a second's
// summary). Names beyond it are still sent in updates but not kept in the history.
const maxAlarmNames = 32

// alarmState is what SetAlarms left for a source: the list the next updates carry and its bits for the history.
type alarmState struct {
	list []Alarm // never modified after SetAlarms stored it, so an Update may share it
	mask uint32
}

// SetAlarms sets the alarms active on source now (nil or empty: none); the source's following updates carry them
// and its history marks them. Reports whose alarms the pipeline judged set them too, whenever they change. It may be called from any goroutine at any time, before or after the source's
// first report; it copies alarms, holds a lock for a few instructions and never waits for Report or a client.
func (s *Server) SetAlarms(source string, alarms []Alarm) {
	var st alarmState
	if len(alarms) > 0 {
		st.list = append([]Alarm(nil), alarms...)
	}
	s.alarmMu.Lock()
	defer s.alarmMu.Unlock()
	for _, a := range st.list {
		i, ok := s.alarmBit[a.Name]
		if !ok && len(s.alarmNameList) < maxAlarmNames {
			i, ok = len(s.alarmNameList), true
			if s.alarmBit == nil {
				s.alarmBit = make(map[string]int)
			}
			s.alarmBit[a.Name] = i
			s.alarmNameList = append(s.alarmNameList, a.Name)
		}
		if ok {
			st.mask |= 1 << i
		}
	}
	if st.list == nil {
		delete(s.alarms, source)
		return
	}
	s.alarms[source] = st
}

// reportAlarms sets the alarms of a report's source from the report, when the pipeline judged them
// (Report.AlarmsOn) and the report changed them (it carries alarm events): the kinds active after it, each with
// the value that started it.
func (s *Server) reportAlarms(r *pipeline.Report) {
	if !r.AlarmsOn || r.NumAlarms == 0 {
		return
	}
	var active []Alarm
	for k, st := range r.AlarmStatus {
		if st.Active {
			active = append(active, Alarm{Name: alarm.Kind(k).String(), Since: st.Since, Value: Float(st.Raised)})
		}
	}
	s.SetAlarms(r.Source, active)
}

// sourceState returns what SetAlarms last set for source, and its target: the target set for source, or else the
// one for "".
func (s *Server) sourceState(source string) (alarmState, *Target) {
	s.alarmMu.Lock()
	defer s.alarmMu.Unlock()
	t, ok := s.targets[source]
	if !ok {
		t = s.targets[""]
	}
	return s.alarms[source], t
}

// alarmNames returns the names of the history's alarm bits, in bit order.
func (s *Server) alarmNames() []string {
	s.alarmMu.Lock()
	defer s.alarmMu.Unlock()
	return s.alarmNameList[:len(s.alarmNameList):len(s.alarmNameList)]
}

// SetTargets replaces the loudness targets (see Options.Targets); the sources' following updates carry the new
// ones. Like SetAlarms, it may be called from any goroutine at any time and never waits for a client.
func (s *Server) SetTargets(targets map[string]Target) {
	m := targetMap(targets)
	s.alarmMu.Lock()
	defer s.alarmMu.Unlock()
	s.targets = m
}

// targetMap copies targets into the map the updates share: each Target is never modified once stored.
func targetMap(targets map[string]Target) map[string]*Target {
	m := make(map[string]*Target, len(targets))
	for name, t := range targets {
		m[name] = &t
	}
	return m
}
