// The event-loop side of one socket: a uv_poll_t readiness watcher on the loop of the
// environment that created it, and a FIFO of pending receives that the native side drains
// itself when the socket is readable (non-blocking syscalls until EAGAIN, capped per wake-up),
// handing JavaScript every result of one wake-up in a single call.
//
// JavaScript drives everything else (sends waiting for room, accept, TCP connect) through
// SetInterest(): the watcher then reports readiness and JavaScript makes the calls.
#pragma once

#include "build_config.h"

#include <deque>
#include <memory>
#include <vector>

#include <sys/socket.h>
#include <uv.h>

#include "batch.h"

namespace bsdsock {

struct AddonData;

// Numbers JavaScript needs too: lib/socket.ts reads them from the class (SocketHandle.limits),
// never writes them again.
// Room for the largest UDP datagram (IPv6: 65527 bytes of payload) when the caller gave no
// buffer; a longer AF_UNIX datagram is reported truncated.
constexpr size_t kScratchSize = 65536;
// What JavaScript learns from onReady(events, error).
constexpr int kReadable = 1;
constexpr int kWritable = 2;
// onRecv(results): [id, bytes or -errno, from, truncated, buffer] per completed receive (a ring
// batch: [id, datagrams or -errno, undefined, false, packed Buffer or undefined]).
constexpr int kDeliveryStride = 5;
// A ring's meta area (Int32Array at metaOffset of its memory): [messages, then per message
// bytes, msg_flags, sender index, segment size]. The segment size is UDP_GRO's: the message
// holds datagrams of that size back to back (the last may be shorter); 0 for one datagram.
constexpr int kRingMetaStride = 4;
// Room for a GRO ring receive's control messages (UDP_GRO, and whatever else the socket asked
// for, such as timestamps: what does not fit is cut, MSG_CTRUNC, and ignored).
constexpr size_t kRingControlSize = 128;
// onErrors(reports): [destination, control entries, payload] per error-queue report.
constexpr int kErrorReportStride = 3;
// The drain's receive syscalls while tracing: [flags, vlen, result or -errno] each.
constexpr int kTraceCallStride = 3;

class SocketHandle : public Napi::ObjectWrap<SocketHandle> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new SocketHandle(fd, onRecv, onReady, onErrors): takes ownership of fd (non-blocking,
  // close-on-exec).
  explicit SocketHandle(const Napi::CallbackInfo& info);
  ~SocketHandle() override;

  // Idempotent: stops the watcher, closes the descriptor, drops pending receives. The order is
  // fixed: uv_close() first (it takes the fd out of epoll/kqueue at once), then close(fd), so
  // libuv never touches a descriptor number the kernel may already have handed to someone else.
  void CloseNow();

  // The descriptor, -1 once closed.
  int fd() const { return fd_; }

  // descriptorOwned(fd): whether an open SocketHandle of any thread owns fd
  // (descriptor_owners.h). The flat close() and Socket.from() ask, so that no descriptor gets
  // two owners.
  static Napi::Value DescriptorOwned(const Napi::CallbackInfo& info);

 private:
  struct PendingRecv {
    uint32_t id;
    Napi::Reference<Napi::Value> buffer;  // empty: allocate a Buffer of the datagram's size
    size_t length;
    int flags;
    int ring;  // >= 0: a batch into that registered ring (buffer and length unused)
    bool gro;  // a ring batch with UDP_GRO on: coalesced receives, their segment sizes kept
  };

  // Memory registered once for batch receives (Socket.batches(), for await): one recvmmsg of up
  // to `slots` messages per request, their sizes, flags and senders written to the meta area,
  // one crossing into JavaScript per batch. A packing ring receives into the handle's scratch
  // arena and hands JavaScript one Buffer of the batch's bytes, back to back (datagrams the
  // caller keeps); otherwise the datagrams stay in the ring's own slots (views the caller reads
  // before asking for the next batch). With GRO on, every ring packs: a coalesced receive needs
  // a 64 KiB slot of the arena, and may hold more datagrams than the ring has slots.
  struct Ring {
    Napi::Reference<Napi::ArrayBuffer> memory;  // [slots * slot_size bytes, unless packing][meta]
    Napi::ObjectReference senders;             // decoded sender addresses, by the meta's index
    size_t slots;
    size_t slot_size;
    size_t meta_offset;
    bool pack;
    // Which sender each index of `senders` holds, and the batch that last used it: an index
    // used by the batch being read is never reassigned within it.
    std::vector<sockaddr_storage> sender_keys;
    std::vector<socklen_t> sender_lengths;
    std::vector<uint32_t> sender_batch;
    uint32_t batch = 0;
    size_t last_sender = 0;
  };

  Napi::Value Recv(const Napi::CallbackInfo& info);
  Napi::Value RegisterRing(const Napi::CallbackInfo& info);
  Napi::Value ReleaseRing(const Napi::CallbackInfo& info);
  Napi::Value RecvBatch(const Napi::CallbackInfo& info);
  Napi::Value CancelRecv(const Napi::CallbackInfo& info);
  Napi::Value SetInterest(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value SetErrorReports(const Napi::CallbackInfo& info);
  Napi::Value TraceCalls(const Napi::CallbackInfo& info);
  Napi::Value DrainErrors(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* poll, int status, int events);
  static void OnClosed(uv_handle_t* handle);
  void HandlePoll(int status, int events);
  // Receives into the pending requests until EAGAIN, the queue is empty, or the cap is hit.
  // `pending_error` (from SO_ERROR) fails the first request before anything is read.
  void DrainReceives(Napi::Env env, int pending_error);
  // One recvmsg into `data` (the caller's bytes, or an arena slot): bytes or -errno; the
  // sender, msg_flags and, without a caller buffer, a Buffer of the datagram in `out`.
  ssize_t ReceiveOne(Napi::Env env, uint8_t* data, size_t length, int flags, Napi::Array out, bool own);
  // One recvmmsg into a ring: datagrams received (its meta written), or -errno. A packing ring's
  // Buffer goes to `packed`.
  int ReceiveRing(Napi::Env env, Ring& ring, int flags, bool gro, Napi::Value* packed);
  uint32_t RingSender(Napi::Env env, Ring& ring, const sockaddr_storage& from, socklen_t length);
  Ring* RingOf(int id);
  void EnsureArena(size_t slots);
  // Reads the socket's error queue (Linux, IP_RECVERR) until it is empty, so that POLLERR
  // clears and the watcher goes idle; hands the reports to JavaScript when it asked for them.
  // Returns how many reports it read.
  int DrainErrorQueue(Napi::Env env);
  bool CallIntoJs(Napi::FunctionReference& callback, std::initializer_list<napi_value> args);
  // Restarts, changes or stops the watcher to match what is pending; holds a strong reference
  // to the JavaScript object while anything waits, so a pending operation keeps it alive.
  void UpdateWatcher();
  Napi::Value SenderAddress(Napi::Env env, const sockaddr_storage& from, socklen_t length);

  int fd_;
  bool closed_ = false;
  bool watching_ = false;
  bool referenced_loop_ = true;  // ref()/unref(): whether a waiting watcher keeps the loop alive
  bool js_readable_ = false;
  bool js_writable_ = false;
  bool error_reports_ = false;  // JavaScript iterates the error queue (Socket.errors())
  bool trace_calls_ = false;    // the trace is on: the drain reports each receive syscall it makes
  int watched_events_ = 0;
  bool stopped_by_libuv_ = false;  // after UV_EBADF the watcher must be started again
  // The last receive found the kernel's queue empty (EAGAIN, or fewer datagrams than asked
  // for): the next one waits for readiness instead of trying a syscall that would answer
  // EAGAIN. Cleared by every readable event (the watcher is level-triggered: nothing is missed),
  // at the end of each wake-up's callbacks, and whenever readability is not watched.
  bool drained_ = false;
  // sender_lengths of a ring index that holds no sender yet (no address is this long).
  static constexpr socklen_t kUnusedSender = sizeof(sockaddr_storage) + 1;
  uv_poll_t* poll_ = nullptr;  // heap: freed in OnClosed, which may run after this object is gone
  AddonData* addon_;
  std::deque<PendingRecv> receives_;
  // Receives without a caller buffer land in slots of this arena (grown on demand, one slot per
  // datagram of a batch), then are copied into a Buffer of the datagram's size.
  std::unique_ptr<uint8_t[]> arena_;
  size_t arena_slots_ = 0;
  // The kernel's batch structures, reused by every wake-up.
  BatchScratch batch_scratch_;
  std::vector<BatchEntry> batch_entries_;
  std::vector<sockaddr_storage> batch_from_;
  std::vector<BatchReceived> batch_received_;
  std::vector<uint64_t> ring_control_;  // uint64_t: aligned for cmsghdr
  std::vector<size_t> ring_control_lengths_;
  std::vector<std::unique_ptr<Ring>> rings_;  // by id; a released one is null until reused
  Napi::FunctionReference on_recv_;
  Napi::FunctionReference on_ready_;
  Napi::FunctionReference on_errors_;
  // The last sender's address, decoded once and reused while the sender does not change.
  sockaddr_storage last_from_{};
  socklen_t last_from_length_ = 0;
  Napi::ObjectReference last_from_object_;
  // Counters for tests and benchmarks: wake-ups and crossings into JavaScript.
  double wakeups_ = 0;
  double js_calls_ = 0;
  double receive_syscalls_ = 0;
};

}  // namespace bsdsock
