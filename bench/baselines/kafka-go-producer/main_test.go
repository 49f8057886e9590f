package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// poolBytes encodes records as task_pool_dump writes them.
func poolBytes(records ...[2]string) []byte {
	var out []byte
	for _, r := range records {
		for _, field := range r {
			out = binary.BigEndian.AppendUint32(out, uint32(len(field)))
			out = append(out, field...)
		}
	}
	return out
}

func TestParsePoolReadsEveryRecordInOrder(t *testing.T) {
	data := poolBytes([2]string{"session-a", "task one"}, [2]string{"", strings.Repeat("v", 300)},
		[2]string{"session-c", ""})
	records, err := parsePool(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []record{{[]byte("session-a"), []byte("task one")},
		{[]byte{}, bytes.Repeat([]byte("v"), 300)}, {[]byte("session-c"), []byte{}}}
	if len(records) != len(want) {
		t.Fatalf("got %d records, want %d", len(records), len(want))
	}
	for i := range want {
		if !bytes.Equal(records[i].key, want[i].key) || !bytes.Equal(records[i].value, want[i].value) {
			t.Errorf("record %d = %q/%q, want %q/%q", i, records[i].key, records[i].value, want[i].key, want[i].value)
		}
	}
	if got := records[0].bytes(); got != int64(len("session-a")+len("task one")) {
		t.Errorf("bytes() = %d", got)
	}
}

func TestParsePoolMatchesTheDocumentedLayout(t *testing.T) {
	// [00 00 00 02] "ab" [00 00 01 02] 258 x "v": what pool_file_test.cc writes.
	data := append([]byte{0, 0, 0, 2, 'a', 'b', 0, 0, 1, 2}, bytes.Repeat([]byte("v"), 258)...)
	records, err := parsePool(data)
	if err != nil || len(records) != 1 || string(records[0].key) != "ab" || len(records[0].value) != 258 {
		t.Fatalf("parsePool = %v, %v", records, err)
	}
}

func TestParsePoolRejectsTruncatedAndEmptyFiles(t *testing.T) {
	full := poolBytes([2]string{"key", "value"})
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no records"},
		{"half a length", full[:2], "record 0 key: truncated length"},
		{"short key", full[:5], "record 0 key: 3 bytes announced"},
		{"no value length", full[:7], "record 0 value: truncated length"},
		{"short value", full[:len(full)-1], "record 0 value: 5 bytes announced"},
		{"trailing bytes", append(append([]byte{}, full...), 0), "record 1 key: truncated length"},
	} {
		if _, err := parsePool(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestReadPoolNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.bin")
	if err := os.WriteFile(path, []byte{0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readPool(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("readPool error %v does not name %s", err, path)
	}
}

func TestParseSizeIsBinaryAndNeedsAUnit(t *testing.T) {
	for text, want := range map[string]int64{"10KB": 10240, "100kb": 102400, " 1MB ": 1 << 20, "512B": 512} {
		if got, err := parseSize(text); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", text, got, err, want)
		}
	}
	for _, text := range []string{"100", "KB", "0KB", "-1MB", "1.5MB", "1GB"} {
		if _, err := parseSize(text); err == nil {
			t.Errorf("parseSize(%q) accepted", text)
		}
	}
}

func TestSizeLabelRoundTrips(t *testing.T) {
	for bytes, want := range map[int64]string{10240: "10KB", 1 << 20: "1MB", 1500: "1500B", 3 << 19: "1536KB"} {
		if got := sizeLabel(bytes); got != want {
			t.Errorf("sizeLabel(%d) = %q, want %q", bytes, got, want)
		}
		if back, err := parseSize(want); err != nil || back != bytes {
			t.Errorf("parseSize(%q) = %d, %v", want, back, err)
		}
	}
}

func TestParseSizeMapKeepsOrderAndRejectsDuplicates(t *testing.T) {
	entries, err := parseSizeMap("1MB=/c,10KB=/a, 100KB = /b ")
	want := []sizeEntry{{1 << 20, "/c"}, {10240, "/a"}, {102400, "/b"}}
	if err != nil || !reflect.DeepEqual(entries, want) {
		t.Fatalf("parseSizeMap = %v, %v; want %v", entries, err, want)
	}
	for _, text := range []string{"10KB=/a,10240B=/b", "10KB", "10KB=", "10=/a"} {
		if _, err := parseSizeMap(text); err == nil {
			t.Errorf("parseSizeMap(%q) accepted", text)
		}
	}
	if _, err := parseSizeInts("10KB=0"); err == nil {
		t.Error("zero lanes accepted")
	}
	if rates, err := parseSizeRates("10KB=150.5"); err != nil || rates[10240] != 150.5 {
		t.Errorf("parseSizeRates = %v, %v", rates, err)
	}
	if _, err := parseSizeRates("10KB=-1"); err == nil {
		t.Error("negative rate accepted")
	}
}

func TestDefaultLanesAreGatewayBenchs(t *testing.T) {
	for size, want := range map[int64]int{10 << 10: 256, 100 << 10: 256, 1 << 20: 64, 4 << 20: 32, 512 << 10: 128} {
		if got := defaultLanes(size); got != want {
			t.Errorf("defaultLanes(%s) = %d, want %d", sizeLabel(size), got, want)
		}
	}
}

func TestParseOptionsDefaultsAndQuick(t *testing.T) {
	o, err := parseOptions([]string{"--bootstrap=127.0.0.1:9092", "--pools=10KB=/a,1MB=/b"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.batchSize != 1 || o.warmup != 3*time.Second || o.window != 10*time.Second ||
		o.latencyWarmup != 2*time.Second || o.latencyWindow != 10*time.Second || o.topic != "ingest.tasks" {
		t.Errorf("defaults: %+v", o)
	}
	if o.lanesFor(10<<10) != 256 || o.lanesFor(1<<20) != 64 || o.lanesFor(2<<20) != 32 {
		t.Errorf("lanes: %v", o.lanes)
	}
	q, err := parseOptions([]string{"--bootstrap=b:1", "--pool=/p", "--size=100KB", "--quick", "--window=1h"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if q.warmup != 500*time.Millisecond || q.window != 1500*time.Millisecond ||
		q.latencyWarmup != 500*time.Millisecond || q.latencyWindow != 1500*time.Millisecond {
		t.Errorf("quick: %+v", q)
	}
	if !reflect.DeepEqual(q.pools, []sizeEntry{{102400, "/p"}}) {
		t.Errorf("pools: %v", q.pools)
	}
}

func TestParseOptionsRejectsWhatCannotRun(t *testing.T) {
	for _, args := range [][]string{
		{"--pools=10KB=/a"},              // no bootstrap
		{"--bootstrap=b:1"},              // no pool
		{"--bootstrap=b:1", "--pool=/p"}, // no size
		{"--bootstrap=b:1", "--pool=/p", "--size=1KB", "--pools=1KB=/q"},
		{"--bootstrap=b:1", "--pools=10KB=/a", "--batch_size=0"},
		{"--bootstrap=b:1", "--pools=10KB=/a", "--lanes=10KB=x"},
		{"--bootstrap=b:1", "--pools=10KB=/a", "extra"},
	} {
		if _, err := parseOptions(args, io.Discard); err == nil {
			t.Errorf("parseOptions(%v) accepted", args)
		}
	}
	var help bytes.Buffer
	if _, err := parseOptions([]string{"--help"}, &help); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(help.String(), "--pools=10KB=FILE") || !strings.Contains(help.String(), "-latency_rates") {
		t.Errorf("--help: %v\n%s", err, help.String())
	}
}

func durations(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

func TestPercentileIsNearestRank(t *testing.T) {
	sorted := make([]time.Duration, 100)
	for i := range sorted {
		sorted[i] = time.Duration(i+1) * time.Millisecond
	}
	for p, want := range map[float64]int{0: 1, 1: 1, 50: 50, 99: 99, 99.9: 100, 100: 100, 0.5: 1, 50.5: 51} {
		if got := percentile(sorted, p); got != time.Duration(want)*time.Millisecond {
			t.Errorf("p%v = %v, want %dms", p, got, want)
		}
	}
	if got := percentile(durations(7), 99); got != 7*time.Millisecond {
		t.Errorf("single sample p99 = %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("empty p50 = %v", got)
	}
}

func TestSummarizeSortsAndBuildsTheCDF(t *testing.T) {
	s := summarize(durations(30, 10, 20, 40))
	if s.count != 4 || s.p50 != 20*time.Millisecond || s.p99 != 40*time.Millisecond || s.max != 40*time.Millisecond {
		t.Errorf("summary: %+v", s)
	}
	if len(s.cdf) != 102 {
		t.Fatalf("cdf has %d points, want 102", len(s.cdf))
	}
	if s.cdf[0] != [2]float64{10, 0} || s.cdf[100] != [2]float64{40, 0.999} || s.cdf[101] != [2]float64{40, 1} {
		t.Errorf("cdf ends: %v %v %v", s.cdf[0], s.cdf[100], s.cdf[101])
	}
	for i := 1; i < len(s.cdf); i++ {
		if s.cdf[i][0] < s.cdf[i-1][0] || s.cdf[i][1] <= s.cdf[i-1][1] {
			t.Errorf("cdf not increasing at %d: %v then %v", i, s.cdf[i-1], s.cdf[i])
		}
	}
	if empty := summarize(nil); empty.count != 0 || empty.cdf != nil {
		t.Errorf("empty summary: %+v", empty)
	}
}

func TestFormatSignificantKeepsThreeDigitsWithoutExponent(t *testing.T) {
	for value, want := range map[float64]string{
		12345: "12345", 1234.6: "1235", 123.45: "123", 12.345: "12.3", 0.012345: "0.0123",
		9.996: "10.0", 0: "0", -1.5: "-1.50", 99.96: "100",
	} {
		if got := formatSignificant(value, 3); got != want {
			t.Errorf("formatSignificant(%v) = %q, want %q", value, got, want)
		}
	}
}

func TestScheduleDueTimesAndCounts(t *testing.T) {
	start := time.Unix(1000, 0)
	s := schedule{start: start, perSecond: 4}
	if got := s.due(0); !got.Equal(start) {
		t.Errorf("due(0) = %v", got)
	}
	if got := s.due(6); !got.Equal(start.Add(1500 * time.Millisecond)) {
		t.Errorf("due(6) = %v", got)
	}
	// Due strictly before start+span: 0, 0.25, 0.5, 0.75 within 1 s.
	for span, want := range map[time.Duration]int64{
		0: 0, time.Second: 4, time.Second + time.Nanosecond: 5, 1250 * time.Millisecond: 5, 10 * time.Second: 40,
	} {
		if got := s.countWithin(span); got != want {
			t.Errorf("countWithin(%v) = %d, want %d", span, got, want)
		}
	}
	if got := s.firstDueAtOrAfter(500 * time.Millisecond); got != 2 {
		t.Errorf("firstDueAtOrAfter(0.5s) = %d, want 2", got)
	}
	// A rate that is no exact fraction: the count agrees with due().
	odd := schedule{start: start, perSecond: 3}
	n := odd.countWithin(time.Second)
	if n != 3 || !odd.due(n-1).Before(start.Add(time.Second)) || odd.due(n).Before(start.Add(time.Second)) {
		t.Errorf("countWithin at 3/s = %d", n)
	}
}

func TestParseProcStatCPUCountsUtimeAndStime(t *testing.T) {
	// utime 250 and stime 150 ticks; the command name holds ") (" and spaces.
	stat := "4242 (java) (x y)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 40 0 100 0"
	got, err := parseProcStatCPU(stat, 100)
	if err != nil || got != 4*time.Second {
		t.Errorf("parseProcStatCPU = %v, %v; want 4s", got, err)
	}
	for _, bad := range []string{"no parens", "1 (x) S 1 2 3", "1 (x) S 1 2 3 4 5 6 7 8 9 10 -1 5 0"} {
		if _, err := parseProcStatCPU(bad, 100); err == nil {
			t.Errorf("parseProcStatCPU(%q) accepted", bad)
		}
	}
	if _, err := processCPU(os.Getpid()); err != nil {
		t.Errorf("own /proc stat: %v", err)
	}
}

func TestCoresBetween(t *testing.T) {
	cores, ok := coresBetween(cpuReading{time.Second, true}, cpuReading{4 * time.Second, true}, 2*time.Second)
	if !ok || cores != 1.5 {
		t.Errorf("coresBetween = %v, %v", cores, ok)
	}
	if _, ok := coresBetween(cpuReading{}, cpuReading{time.Second, true}, time.Second); ok {
		t.Error("a failed reading gave cores")
	}
}

// flakySender fails its first `failures` sends, then acknowledges.
type flakySender struct {
	mu       sync.Mutex
	failures int
	sent     []string
}

func (f *flakySender) send(_ context.Context, r record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, string(r.key))
	if f.failures > 0 {
		f.failures--
		return errors.New("leader not available")
	}
	return nil
}

// fakeClock advances only when the deliverer sleeps.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time        { return c.now }
func (c *fakeClock) Sleep(d time.Duration) { c.now = c.now.Add(d) }
func testDeliverer(s sender, log io.Writer) (*deliverer, *fakeClock) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	d := newDeliverer(s, "100KB", log)
	d.now, d.sleep = clock.Now, clock.Sleep
	return d, clock
}

func TestDeliverRetriesTheSameRecordAndCountsErrors(t *testing.T) {
	s := &flakySender{failures: 7}
	var log bytes.Buffer
	d, clock := testDeliverer(s, &log)
	if err := d.deliver(3, record{key: []byte("k3")}); err != nil {
		t.Fatal(err)
	}
	if d.errors.Load() != 7 || len(s.sent) != 8 || s.sent[7] != "k3" {
		t.Errorf("errors %d, sends %v", d.errors.Load(), s.sent)
	}
	if waited := clock.now.Sub(time.Unix(0, 0)); waited != 7*retryDelay {
		t.Errorf("waited %v between attempts, want %v", waited, 7*retryDelay)
	}
	if lines := strings.Count(log.String(), "\n"); lines != loggedErrorsMax {
		t.Errorf("%d error lines logged, want the first %d:\n%s", lines, loggedErrorsMax, log.String())
	}
	if !strings.Contains(log.String(), "kafka-go 100KB: write error 1 (message 3, attempt 1): leader not available") {
		t.Errorf("log:\n%s", log.String())
	}
}

func TestDeliverGivesUpAfterItsDeadline(t *testing.T) {
	s := &flakySender{failures: 1 << 30}
	d, clock := testDeliverer(s, io.Discard)
	err := d.deliver(9, record{key: []byte("k9")})
	if err == nil || !strings.Contains(err.Error(), `100KB message 9 (key "k9") gave up`) ||
		!strings.Contains(err.Error(), "leader not available") {
		t.Fatalf("error: %v", err)
	}
	if waited := clock.now.Sub(time.Unix(0, 0)); waited > giveUpAfter || waited < giveUpAfter-retryDelay {
		t.Errorf("gave up after %v, want about %v", waited, giveUpAfter)
	}
}

func TestSizeLineJSONHasExactlyTheDocumentedKeys(t *testing.T) {
	throughput := throughputResult{acked: 2000, ackedBytes: 2000 * (100<<10 + 100), window: 10 * time.Second,
		clientCores: 0.5, clientOK: true, kafkaCores: 0.25, kafkaOK: true}
	latency := latencyResult{rate: 100, latency: summarize(durations(5, 6, 7))}
	line := newSizeLine(100<<10, 256, 1, throughput, latency, 3)
	data, err := json.Marshal(line)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	keys := []string{"kind", "size", "size_bytes", "lanes", "batch_size", "msgs_per_s", "mb_per_s", "acked",
		"window_s", "cpu_client_cores", "cpu_kafka_cores", "cpu_s_per_gb", "latency_rate_per_s",
		"latency_samples", "p50_ms", "p99_ms", "max_ms", "errors", "latency_cdf"}
	if len(fields) != len(keys) {
		t.Errorf("%d keys, want %d: %s", len(fields), len(keys), data)
	}
	for _, k := range keys {
		if _, ok := fields[k]; !ok {
			t.Errorf("key %q missing: %s", k, data)
		}
	}
	if fields["kind"] != "kafka_go" || fields["size"] != "100KB" || fields["msgs_per_s"] != 200.0 ||
		fields["mb_per_s"] != 200.0/10.24 || fields["p99_ms"] != 7.0 {
		t.Errorf("values: %s", data)
	}
	// 7.5 CPU seconds for 2000 * 102500 bytes.
	wantPerGB := 7.5 / (2000 * 102500.0 / (1 << 30))
	if got := fields["cpu_s_per_gb"].(float64); got < wantPerGB*0.999999 || got > wantPerGB*1.000001 {
		t.Errorf("cpu_s_per_gb = %v, want %v", got, wantPerGB)
	}
	if got := stdoutLine(line); got != "kafka-go: size=100KB msgs_per_s=200 mb_per_s=19.5 p50_ms=6.00 p99_ms=7.00" {
		t.Errorf("stdout line: %s", got)
	}
}

func TestSizeLineWithoutBrokerPidHasNullBrokerCPU(t *testing.T) {
	line := newSizeLine(10<<10, 256, 1, throughputResult{acked: 10, ackedBytes: 1, window: time.Second,
		clientOK: true}, latencyResult{rate: 5}, 0)
	data, _ := json.Marshal(line)
	for _, k := range []string{`"cpu_kafka_cores":null`, `"cpu_s_per_gb":null`, `"p99_ms":null`, `"latency_cdf":[]`} {
		if !strings.Contains(string(data), k) {
			t.Errorf("%s missing from %s", k, data)
		}
	}
}

func TestRunLineRecordsTheWriterSettings(t *testing.T) {
	w := newWriter("127.0.0.1:1,127.0.0.1:2", "t", 1)
	settings := settingsOf(w)
	want := writerSettings{Balancer: "hash", RequiredAcks: 1, Compression: "zstd", Async: false,
		BatchSize: 1, BatchBytes: 2 << 20, BatchTimeoutMs: 1000}
	if settings != want {
		t.Errorf("settings = %+v, want %+v", settings, want)
	}
	if _, ok := w.Balancer.(*kafka.Hash); !ok || w.RequiredAcks != kafka.RequireOne || w.Async {
		t.Errorf("writer: %+v", w)
	}
	data, _ := json.Marshal(newRunLine(settings, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	if !strings.HasPrefix(string(data), `{"kind":"kafka_go_run","go_version":"go`) ||
		!strings.Contains(string(data), `"writer":{"balancer":"hash","required_acks":1,"compression":"zstd","async":false,"batch_size":1,"batch_bytes":2097152,"batch_timeout_ms":1000}`) ||
		!strings.HasSuffix(string(data), `"started_at":"2026-01-02T03:04:05Z"}`) {
		t.Errorf("run line: %s", data)
	}
}

// instantSender acknowledges at once and counts.
type instantSender struct{ sends atomicCounter }

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (s *instantSender) send(context.Context, record) error {
	s.sends.mu.Lock()
	s.sends.n++
	s.sends.mu.Unlock()
	return nil
}

func TestOpenLoopMeasuresEveryMessageDueInTheWindow(t *testing.T) {
	s := &instantSender{}
	p := phase{deliverer: newDeliverer(s, "10KB", io.Discard), pool: []record{{key: []byte("k")}}, lanes: 3}
	result, err := runLatency(p, "test", 200, 50*time.Millisecond, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// 200/s: 10 due in the warm-up, 20 in the window, all sent.
	if s.sends.n != 30 || result.latency.count != 20 || result.rate != 200 {
		t.Errorf("sends %d, samples %d", s.sends.n, result.latency.count)
	}
	if result.latency.cdf[0][0] < 0 {
		t.Errorf("negative latency: %v", result.latency.cdf[0])
	}
}

func TestFailedPhaseReturnsTheGiveUp(t *testing.T) {
	d := newDeliverer(&flakySender{failures: 1 << 30}, "1MB", io.Discard)
	d.giveUp = 30 * time.Millisecond
	p := phase{deliverer: d, pool: []record{{key: []byte("k")}}, lanes: 2}
	if _, err := runThroughput(p, "test", time.Hour, time.Hour); err == nil || !strings.Contains(err.Error(), "gave up") {
		t.Errorf("throughput error: %v", err)
	}
	if _, err := runLatency(p, "test", 1000, 0, time.Second); err == nil || !strings.Contains(err.Error(), "gave up") {
		t.Errorf("latency error: %v", err)
	}
}

func TestProgressLine(t *testing.T) {
	if got := progressLine("kafka-go 100KB throughput", 12*time.Second, 13*time.Second, 45123); got != "kafka-go 100KB throughput: 12.0/13.0 s, 45123 acked" {
		t.Errorf("progress line: %s", got)
	}
}

// slowSender takes `delay` per send.
type slowSender struct{ delay time.Duration }

func (s slowSender) send(context.Context, record) error { time.Sleep(s.delay); return nil }

func TestOpenLoopCountsTheWaitForABusyLane(t *testing.T) {
	// One lane, a message due every 10 ms, each taking >= 30 ms: message 4 is
	// due at 40 ms but cannot start before 120 ms, so its latency is >= 110 ms.
	p := phase{deliverer: newDeliverer(slowSender{30 * time.Millisecond}, "10KB", io.Discard),
		pool: []record{{key: []byte("k")}}, lanes: 1}
	result, err := runLatency(p, "test", 100, 0, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if result.latency.count != 5 || result.latency.max < 110*time.Millisecond {
		t.Errorf("samples %d, max %v", result.latency.count, result.latency.max)
	}
}
