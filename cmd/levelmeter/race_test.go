//go:build race

package main

const raceNote = "race detector on: several times the cost of a normal build"
