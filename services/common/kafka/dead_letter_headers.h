#pragma once

// Header names of records in the dead-letter topic (ingest.tasks.dlq). The
// worker writes them; broker-proxy reads them to browse and redrive. The
// record's key and value are the source record's, byte for byte.

namespace ingest::dlq_headers {

inline constexpr char kReason[] = "dlq.reason";    // e.g. invalid_record
inline constexpr char kDetail[] = "dlq.detail";    // a sentence for a person
inline constexpr char kSourceTopic[] = "source.topic";
inline constexpr char kSourcePartition[] = "source.partition";  // decimal
inline constexpr char kSourceOffset[] = "source.offset";        // decimal
inline constexpr char kSessionId[] = "session.id";  // absent when unknown
inline constexpr char kProjectId[] = "project.id";  // absent when unknown
inline constexpr char kDeadLetteredAtMs[] = "dlq.at_ms";  // Unix milliseconds

}  // namespace ingest::dlq_headers
