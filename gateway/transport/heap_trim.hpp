#pragma once
// transport: gives the heap's free pages back to the system shortly after a slow consumer's queue was freed.
// glibc keeps what is freed in its arenas, in the middle of the heap where it cannot shrink, so without this the
// RSS a burst of frames grew (a queue that reached its bounds holds megabytes) would stay after the reader is
// gone. Requests within the delay share one malloc_trim, which runs on `ioc` after the frees of the moment.
#include <boost/asio/io_context.hpp>

namespace techpulse::gateway {

void trim_heap_soon(boost::asio::io_context& ioc);

}  // namespace techpulse::gateway
