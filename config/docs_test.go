package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// mdLink is a Markdown link's target: [text](target).
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// repoPath is a path into the repository written out in a comment: docs/OPERATIONS.md.
	repoPath = regexp.MustCompile(`(?:^|[\s(])((?:docs|prometheus|grafana|packaging|scripts|testdata|web)/[\w./-]*\w)`)
)

// TestDocumentLinks: every file the shipped configuration and the documents point to is there. config.yaml is
// where most people first read about a key, and the documents of the keys (CONFIGURATION.md and the ones it
// links) are read from it; a link to a missing file leaves a reader nowhere.
func TestDocumentLinks(t *testing.T) {
	const root = ".."
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".md") || d.Name() == "config.yaml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found only %q: run from the config package", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var targets []string
		if strings.HasSuffix(f, ".md") {
			for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
				targets = append(targets, m[1])
			}
		} else {
			for _, m := range repoPath.FindAllStringSubmatch(string(data), -1) {
				targets = append(targets, m[1])
			}
		}
		for _, target := range targets {
			p, _, _ := strings.Cut(target, "#")
			if p == "" || strings.Contains(p, "://") || strings.HasPrefix(p, "mailto:") {
				continue
			}
			from := filepath.Dir(f)
			if !strings.HasSuffix(f, ".md") {
				from = root // a comment names a path from the repository's root
			}
			if _, err := os.Stat(filepath.Join(from, p)); err != nil {
				t.Errorf("%s points to %s, which is not there", f, target)
			}
		}
	}
}

// TestShippedConfigLoudnessAlarms: config.yaml says what the loudness alarms judge as the code does
// (alarm.DefaultConfig's doc, docs/ALARMS.md): a sliding window's integrated loudness, not short-term loudness.
func TestShippedConfigLoudnessAlarms(t *testing.T) {
	data, err := os.ReadFile("../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if strings.Contains(text, "short-term LUFS") {
		t.Error("config.yaml says the loudness alarms judge short-term LUFS")
	}
	if !strings.Contains(text, "the integrated loudness of a sliding window: the shortest of loudness_windows of 1m or more") {
		t.Error("config.yaml does not say which loudness the loudness alarms judge")
	}
}
