package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

const kafkaGoModule = "github.com/segmentio/kafka-go"

// runLine is the first JSON line of a run.
type runLine struct {
	Kind           string         `json:"kind"` // "kafka_go_run"
	GoVersion      string         `json:"go_version"`
	KafkaGoVersion string         `json:"kafka_go_version"`
	Writer         writerSettings `json:"writer"`
	StartedAt      string         `json:"started_at"`
}

func newRunLine(writer writerSettings, started time.Time) runLine {
	return runLine{
		Kind:           "kafka_go_run",
		GoVersion:      runtime.Version(),
		KafkaGoVersion: moduleVersion(kafkaGoModule),
		Writer:         writer,
		StartedAt:      started.UTC().Format(time.RFC3339),
	}
}

// moduleVersion is the version of a dependency compiled into this binary.
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == path {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return "unknown"
}

// sizeLine is the JSON line of one size. Pointers are null when not measured.
type sizeLine struct {
	Kind            string       `json:"kind"` // "kafka_go"
	Size            string       `json:"size"`
	SizeBytes       int64        `json:"size_bytes"`
	Lanes           int          `json:"lanes"`
	BatchSize       int          `json:"batch_size"`
	MsgsPerS        float64      `json:"msgs_per_s"`
	MBPerS          float64      `json:"mb_per_s"`
	Acked           int64        `json:"acked"`
	WindowS         float64      `json:"window_s"`
	CPUClientCores  *float64     `json:"cpu_client_cores"`
	CPUKafkaCores   *float64     `json:"cpu_kafka_cores"`
	CPUSPerGB       *float64     `json:"cpu_s_per_gb"`
	LatencyRatePerS float64      `json:"latency_rate_per_s"`
	LatencySamples  int          `json:"latency_samples"`
	P50Ms           *float64     `json:"p50_ms"`
	P99Ms           *float64     `json:"p99_ms"`
	MaxMs           *float64     `json:"max_ms"`
	Errors          int64        `json:"errors"`
	LatencyCDF      [][2]float64 `json:"latency_cdf"`
}

func optional(value float64, ok bool) *float64 {
	if !ok || math.IsNaN(value) || math.IsInf(value, 0) {
		return nil
	}
	return &value
}

// newSizeLine combines the two phases of one size. mb_per_s counts the body
// size (size_bytes, binary MB) per message; cpu_s_per_gb the record bytes
// (key + Task) acknowledged in the window, and needs the broker's CPU.
func newSizeLine(size int64, lanes, batchSize int, t throughputResult, l latencyResult, errors int64) sizeLine {
	msgs := t.msgsPerSecond()
	line := sizeLine{
		Kind:            "kafka_go",
		Size:            sizeLabel(size),
		SizeBytes:       size,
		Lanes:           lanes,
		BatchSize:       batchSize,
		MsgsPerS:        msgs,
		MBPerS:          msgs * float64(size) / mib,
		Acked:           t.acked,
		WindowS:         t.window.Seconds(),
		CPUClientCores:  optional(t.clientCores, t.clientOK),
		CPUKafkaCores:   optional(t.kafkaCores, t.kafkaOK),
		LatencyRatePerS: l.rate,
		LatencySamples:  l.latency.count,
		Errors:          errors,
		LatencyCDF:      l.latency.cdf,
	}
	if t.clientOK && t.kafkaOK && t.ackedBytes > 0 {
		cpuSeconds := (t.clientCores + t.kafkaCores) * t.window.Seconds()
		line.CPUSPerGB = optional(cpuSeconds/(float64(t.ackedBytes)/(1<<30)), true)
	}
	if l.latency.count > 0 {
		line.P50Ms = optional(milliseconds(l.latency.p50), true)
		line.P99Ms = optional(milliseconds(l.latency.p99), true)
		line.MaxMs = optional(milliseconds(l.latency.max), true)
	}
	if line.LatencyCDF == nil {
		line.LatencyCDF = [][2]float64{}
	}
	return line
}

// stdoutLine is "kafka-go: size=100KB msgs_per_s=… mb_per_s=… p50_ms=… p99_ms=…".
func stdoutLine(l sizeLine) string {
	ms := func(v *float64) string {
		if v == nil {
			return "n/a"
		}
		return formatSignificant(*v, 3)
	}
	return fmt.Sprintf("kafka-go: size=%s msgs_per_s=%s mb_per_s=%s p50_ms=%s p99_ms=%s",
		l.Size, formatSignificant(l.MsgsPerS, 3), formatSignificant(l.MBPerS, 3), ms(l.P50Ms), ms(l.P99Ms))
}

// resultsFile appends JSON lines to a file; a nil *resultsFile drops them.
type resultsFile struct{ f *os.File }

func openResults(path string) (*resultsFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &resultsFile{f: f}, nil
}

func (r *resultsFile) write(v any) error {
	if r == nil {
		return nil
	}
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = r.f.Write(append(line, '\n'))
	return err
}

func (r *resultsFile) close() error {
	if r == nil {
		return nil
	}
	return r.f.Close()
}
