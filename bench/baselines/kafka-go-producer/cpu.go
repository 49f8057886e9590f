package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicksPerSecond is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs cgo).
const clockTicksPerSecond = 100

// parseProcStatCPU is utime + stime of a /proc/<pid>/stat text. The command
// name (field 2) is in parentheses and may itself hold spaces and parentheses,
// so fields are counted after its last ')'.
func parseProcStatCPU(text string, ticksPerSecond int64) (time.Duration, error) {
	end := strings.LastIndexByte(text, ')')
	if end < 0 {
		return 0, fmt.Errorf("no command name in stat line")
	}
	// After ")": field 3 (state) is rest[0]; utime and stime are fields 14, 15.
	rest := strings.Fields(text[end+1:])
	if len(rest) < 13 {
		return 0, fmt.Errorf("stat line has %d fields after the command, want >= 13", len(rest))
	}
	var ticks int64
	for _, field := range rest[11:13] {
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("stat field %q is not a tick count", field)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / time.Duration(ticksPerSecond), nil
}

// processCPU is the CPU time process pid has used so far.
func processCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStatCPU(string(data), clockTicksPerSecond)
}

// selfCPU is the CPU time (user + system) this process has used so far.
func selfCPU() (time.Duration, error) {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0, err
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()), nil
}

// cpuReading is one process's CPU time at one moment; ok is false when it
// could not be read (or no process was named).
type cpuReading struct {
	used time.Duration
	ok   bool
}

func readCPU(read func() (time.Duration, error)) cpuReading {
	used, err := read()
	return cpuReading{used: used, ok: err == nil}
}

// coresBetween is the CPU used between two readings over wall time, in cores
// (1.0 = one core busy throughout); ok is false if either reading failed.
func coresBetween(before, after cpuReading, wall time.Duration) (float64, bool) {
	if !before.ok || !after.ok || wall <= 0 {
		return 0, false
	}
	return (after.used - before.used).Seconds() / wall.Seconds(), true
}
