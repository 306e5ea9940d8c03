// libFuzzer target for the split of native/segment.cc (the fallback of UDP segmentation):
// PlanSegments over arbitrary iovec layouts, segment sizes and starting bytes, and the
// kernel's checks (CheckSegmentedSend). Each iovec is its own heap block, so ASan catches a
// piece that reaches outside the buffer it came from.
//
// Input: segment u16 (0 becomes 1), from u16, then per iovec a u16 length (up to 8 iovecs,
// each length % 4096); the rest is ignored.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "segment.h"

namespace {

uint16_t Read16(const uint8_t*& data, size_t& size) {
  if (size < 2) {
    size = 0;
    return 0;
  }
  uint16_t value = static_cast<uint16_t>(data[0] << 8 | data[1]);
  data += 2;
  size -= 2;
  return value;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t segment = Read16(data, size);
  if (segment == 0) segment = 1;
  size_t from = Read16(data, size);
  std::vector<std::unique_ptr<uint8_t[]>> blocks;
  std::vector<iovec> iov;
  size_t total = 0;
  while (size >= 2 && iov.size() < 8) {
    size_t length = Read16(data, size) % 4096;
    blocks.emplace_back(new uint8_t[length == 0 ? 1 : length]);
    // Byte k of the whole message holds k % 251: the split must keep that order.
    for (size_t i = 0; i < length; i++) blocks.back()[i] = static_cast<uint8_t>((total + i) % 251);
    iov.push_back(iovec{blocks.back().get(), length});
    total += length;
  }
  from %= total + 2;  // sometimes past the end: nothing left, one empty datagram

  bsdsock::SegmentPlan plan;
  bsdsock::PlanSegments(iov.data(), iov.size(), segment, from, &plan);
  size_t remaining = total > from ? total - from : 0;
  size_t datagrams = remaining == 0 ? 1 : (remaining + segment - 1) / segment;
  Check(plan.lengths.size() == datagrams);
  Check(plan.first.size() == datagrams + 1);
  Check(plan.first.front() == 0 && plan.first.back() == plan.pieces.size());
  size_t expected = from;
  for (size_t d = 0; d < datagrams; d++) {
    size_t want = remaining - d * segment < segment ? remaining - d * segment : segment;
    if (remaining == 0) want = 0;
    Check(plan.lengths[d] == want);
    size_t got = 0;
    for (size_t p = plan.first[d]; p < plan.first[d + 1]; p++) {
      const iovec& piece = plan.pieces[p];
      Check(piece.iov_len > 0);
      // Inside one of the buffers (ASan also checks every byte read below).
      bool inside = false;
      for (const iovec& source : iov) {
        const uint8_t* base = static_cast<const uint8_t*>(source.iov_base);
        const uint8_t* at = static_cast<const uint8_t*>(piece.iov_base);
        if (at >= base && at + piece.iov_len <= base + source.iov_len) inside = true;
      }
      Check(inside);
      for (size_t i = 0; i < piece.iov_len; i++) {
        Check(static_cast<const uint8_t*>(piece.iov_base)[i] == static_cast<uint8_t>(expected % 251));
        expected++;
      }
      got += piece.iov_len;
    }
    Check(got == plan.lengths[d]);
  }
  Check(expected == (total > from ? total : from));

  // The kernel's order: the whole too large first (EMSGSIZE), then too many segments (EINVAL).
  size_t limit = 1 + (from % 65536);
  int refused = bsdsock::CheckSegmentedSend(total, segment, limit);
  if (total > limit) {
    Check(refused == EMSGSIZE);
  } else if (total > segment * bsdsock::kMaxUdpSegments) {
    Check(refused == EINVAL);
  } else {
    Check(refused == 0);
  }
  return 0;
}
