#pragma once
// The standard process_* metrics of this process, read from /proc at the scrape (internal to metrics/).
#include "metrics/exposition.hpp"

namespace techpulse::metrics {

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
// process_max_fds, process_start_time_seconds: the names and meanings of the Prometheus client libraries.
void append_process_metrics(Exposition& out);

}  // namespace techpulse::metrics
