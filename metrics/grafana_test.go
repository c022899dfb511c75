package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestGrafanaDashboard checks that the dashboard in grafana/ is valid JSON, repeats per source, and queries only
// metrics this package exports.
func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile("../grafana/levelmeter.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Templating struct {
			List []struct{ Name, Type string }
		}
		Panels []struct {
			Type, Title, Repeat string
			Targets             []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana/levelmeter.json: %v", err)
	}
	vars := map[string]string{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["source"] != "query" || vars["datasource"] != "datasource" {
		t.Errorf("the dashboard's variables are %v; want a source query and a datasource", vars)
	}

	known := map[string]bool{}
	descs := make(chan *prometheus.Desc, 100)
	New(prometheus.NewRegistry(), Options{Version: ""}).Describe(descs)
	close(descs)
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range descs {
		known[name.FindStringSubmatch(d.String())[1]] = true
	}

	used := regexp.MustCompile(`levelmeter_[a-z_]+`)
	repeated, queries := false, 0
	for _, p := range dash.Panels {
		repeated = repeated || (p.Type == "row" && p.Repeat == "source")
		for _, tg := range p.Targets {
			queries++
			if !strings.Contains(tg.Expr, `"$source"`) && !strings.Contains(tg.Expr, `=~"$source"`) {
				t.Errorf("panel %q: %s does not select $source", p.Title, tg.Expr)
			}
			for _, m := range used.FindAllString(tg.Expr, -1) {
				if !known[m] {
					t.Errorf("panel %q queries %s, which levelmeter does not export", p.Title, m)
				}
			}
		}
	}
	if !repeated || queries < 10 {
		t.Errorf("the dashboard has %d queries and repeats per source: %v", queries, repeated)
	}
}
