// libFuzzer target for native/mmsg.cc, the kernel side of batches: SendBatch and ReceiveBatch on
// a real AF_UNIX datagram socketpair, with arbitrary datagram and buffer sizes (zero included).
// Each buffer is its own heap block, so ASan catches a write outside it. Checks that every
// datagram sent arrives once, in order, cut to its buffer exactly when MSG_TRUNC says so.
//
// Input: count u8 (1 to 16), then per datagram its length u16 and its buffer's size u16
// (each % 2048); the rest is ignored.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mmsg.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

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

// One socketpair for the whole run (the fuzzer's process is this target's alone).
const int* Pair() {
  static int fds[2] = {-1, -1};
  if (fds[0] == -1) {
    Check(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) == 0);
    for (int fd : fds) Check(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
  }
  return fds;
}

uint8_t Pattern(size_t datagram, size_t byte) { return static_cast<uint8_t>(datagram * 31 + byte * 7 + 1); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t count = data[0] % 16 + 1;
  data++;
  size--;
  std::vector<size_t> lengths(count), capacities(count);
  for (size_t i = 0; i < count; i++) {
    lengths[i] = Read16(data, size) % 2048;
    capacities[i] = Read16(data, size) % 2048;
  }
  const int* fds = Pair();

  std::vector<std::unique_ptr<uint8_t[]>> out(count), in(count);
  std::vector<bsdsock::BatchEntry> sends(count), receives(count);
  for (size_t i = 0; i < count; i++) {
    out[i].reset(new uint8_t[lengths[i] + 1]);
    for (size_t b = 0; b < lengths[i]; b++) out[i][b] = Pattern(i, b);
    sends[i] = bsdsock::BatchEntry{out[i].get(), lengths[i], nullptr, 0};
    in[i].reset(new uint8_t[capacities[i] + 1]);
    receives[i] = bsdsock::BatchEntry{in[i].get(), capacities[i], nullptr, 0};
  }

  bsdsock::BatchScratch send_scratch, receive_scratch;
  int sent = bsdsock::SendBatch(fds[0], sends.data(), count, MSG_DONTWAIT, send_scratch);
  Check(sent >= 0 || errno == EAGAIN || errno == ENOBUFS);
  if (sent <= 0) return 0;

  std::vector<sockaddr_storage> from(count);
  std::vector<bsdsock::BatchReceived> received(count);
  int got = bsdsock::ReceiveBatch(fds[1], receives.data(), static_cast<size_t>(sent), MSG_DONTWAIT, from.data(),
                                  received.data(), receive_scratch);
  Check(got == sent);  // every datagram sent is queued: all of them come back, no more
  for (int i = 0; i < got; i++) {
    size_t want = lengths[i] < capacities[i] ? lengths[i] : capacities[i];
    Check(received[i].bytes == want);
    Check(((received[i].flags & MSG_TRUNC) != 0) == (lengths[i] > capacities[i]));
    for (size_t b = 0; b < want; b++) Check(in[i][b] == Pattern(static_cast<size_t>(i), b));
  }
  uint8_t spare;
  Check(recv(fds[1], &spare, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN);  // nothing left behind
  return 0;
}
