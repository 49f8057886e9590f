package main

import (
	"context"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// writerBatchBytes is Writer.BatchBytes. kafka-go refuses a message larger
// than BatchBytes (default 1 MiB) before sending it, and a 1 MB body plus the
// Task envelope, key and record overhead is larger; 2 MiB holds it with room.
// The broker's limit (message.max.bytes, 16 MiB in deploy/local) is far above.
const writerBatchBytes = 2 * mib

// kafkaGoDefaultBatchTimeout is what kafka-go uses for a zero BatchTimeout.
const kafkaGoDefaultBatchTimeout = time.Second

// newWriter is the blog's producer: one Writer shared by every lane, like a
// gateway process. Everything not set here is kafka-go's default.
func newWriter(bootstrap, topic string, batchSize int) *kafka.Writer {
	return &kafka.Writer{
		Addr:         kafka.TCP(strings.Split(bootstrap, ",")...),
		Topic:        topic,
		Balancer:     &kafka.Hash{}, // FNV-1a of the key (the session id) mod partitions
		RequiredAcks: kafka.RequireOne,
		Compression:  kafka.Zstd,
		Async:        false,     // WriteMessages returns when the produce request is acknowledged
		BatchSize:    batchSize, // 1: a batch is full, and sent, with its one message
		BatchBytes:   writerBatchBytes,
	}
}

// writerSender writes one record per WriteMessages call.
type writerSender struct{ w *kafka.Writer }

func (s writerSender) send(ctx context.Context, r record) error {
	return s.w.WriteMessages(ctx, kafka.Message{Key: r.key, Value: r.value})
}

// writerSettings is the "writer" object of the kafka_go_run JSON line.
type writerSettings struct {
	Balancer       string  `json:"balancer"`
	RequiredAcks   int     `json:"required_acks"`
	Compression    string  `json:"compression"`
	Async          bool    `json:"async"`
	BatchSize      int     `json:"batch_size"`
	BatchBytes     int64   `json:"batch_bytes"`
	BatchTimeoutMs float64 `json:"batch_timeout_ms"`
}

func settingsOf(w *kafka.Writer) writerSettings {
	balancer := "hash" // the only one newWriter sets
	if _, ok := w.Balancer.(*kafka.Hash); !ok {
		balancer = "other"
	}
	timeout := w.BatchTimeout
	if timeout <= 0 {
		timeout = kafkaGoDefaultBatchTimeout
	}
	return writerSettings{
		Balancer:       balancer,
		RequiredAcks:   int(w.RequiredAcks),
		Compression:    w.Compression.String(),
		Async:          w.Async,
		BatchSize:      w.BatchSize,
		BatchBytes:     w.BatchBytes,
		BatchTimeoutMs: float64(timeout) / float64(time.Millisecond),
	}
}
