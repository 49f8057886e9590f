package main

import (
	"encoding/binary"
	"fmt"
	"os"
)

// record is one Kafka record of a pool: the Task the gateway's task builder
// makes of one body, keyed by its session id. Key and value point into the
// pool file's bytes and are never modified.
type record struct {
	key   []byte
	value []byte
}

// parsePool splits the bytes of a task_pool_dump file into its records:
// repeated [u32 big-endian key length][key][u32 big-endian value length][value].
// A file with no record, or one that ends inside a record, is an error.
func parsePool(data []byte) ([]record, error) {
	var records []record
	for offset := 0; offset < len(data); {
		key, next, err := parseField(data, offset)
		if err != nil {
			return nil, fmt.Errorf("record %d key: %w", len(records), err)
		}
		value, next, err := parseField(data, next)
		if err != nil {
			return nil, fmt.Errorf("record %d value: %w", len(records), err)
		}
		records = append(records, record{key: key, value: value})
		offset = next
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("no records")
	}
	return records, nil
}

// parseField reads one [u32 BE length][bytes] at offset; it returns the bytes
// and the offset after them.
func parseField(data []byte, offset int) ([]byte, int, error) {
	if len(data)-offset < 4 {
		return nil, 0, fmt.Errorf("truncated length at byte %d of %d", offset, len(data))
	}
	length := int64(binary.BigEndian.Uint32(data[offset:]))
	start := offset + 4
	if int64(len(data)-start) < length {
		return nil, 0, fmt.Errorf("%d bytes announced at byte %d, only %d left",
			length, offset, len(data)-start)
	}
	end := start + int(length)
	return data[start:end:end], end, nil
}

// readPool reads and parses the pool file at path.
func readPool(path string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	records, err := parsePool(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return records, nil
}

// bytes is the key and value bytes of r, what cpu_s_per_gb divides by.
func (r record) bytes() int64 { return int64(len(r.key) + len(r.value)) }
