#include "socket_handle.h"

#include <algorithm>
#include <cstring>

#include <sys/socket.h>
#include <sys/uio.h>

#include "addon_data.h"
#include "address.h"
#include "args.h"
#include "cmsg.h"
#include "descriptor.h"
#include "descriptor_owners.h"
#include "interrupted_call.h"

namespace bsdsock {

namespace {

// A flood must not starve timers and other handles: libuv's own UDP reads at most 32
// datagrams per wake-up (src/unix/udp.c).
constexpr int kMaxReceivesPerWakeup = 32;
}  // namespace

Napi::Function SocketHandle::Define(Napi::Env env) {
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("scratchSize", Napi::Number::New(env, static_cast<double>(kScratchSize)));
  limits.Set("readable", Napi::Number::New(env, kReadable));
  limits.Set("writable", Napi::Number::New(env, kWritable));
  limits.Set("deliveryStride", Napi::Number::New(env, kDeliveryStride));
  limits.Set("ringMetaStride", Napi::Number::New(env, kRingMetaStride));
  limits.Set("errorReportStride", Napi::Number::New(env, kErrorReportStride));
  limits.Set("traceCallStride", Napi::Number::New(env, kTraceCallStride));
  return DefineClass(env, "SocketHandle",
                     {
                         StaticValue("limits", limits, napi_enumerable),
                         InstanceMethod<&SocketHandle::Recv>("recv"),
                         InstanceMethod<&SocketHandle::RegisterRing>("registerRing"),
                         InstanceMethod<&SocketHandle::ReleaseRing>("releaseRing"),
                         InstanceMethod<&SocketHandle::RecvBatch>("recvBatch"),
                         InstanceMethod<&SocketHandle::CancelRecv>("cancelRecv"),
                         InstanceMethod<&SocketHandle::SetInterest>("setInterest"),
                         InstanceMethod<&SocketHandle::Close>("close"),
                         InstanceMethod<&SocketHandle::Ref>("ref"),
                         InstanceMethod<&SocketHandle::Unref>("unref"),
                         InstanceMethod<&SocketHandle::Stats>("stats"),
                         InstanceMethod<&SocketHandle::SetErrorReports>("setErrorReports"),
                         InstanceMethod<&SocketHandle::DrainErrors>("drainErrors"),
                         InstanceMethod<&SocketHandle::TraceCalls>("traceCalls"),
                     });
}

SocketHandle::SocketHandle(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<SocketHandle>(info), fd_(ArgFd(info, 0)), addon_(AddonData::From(info.Env())) {
  Napi::Env env = info.Env();
  if (!info[1].IsFunction() || !info[2].IsFunction() || !info[3].IsFunction()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "SocketHandle needs onRecv, onReady and onErrors functions");
  }
  uv_loop_t* loop = nullptr;
  // The loop of this environment: a worker's own loop in a worker, never uv_default_loop().
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_uv_event_loop(env, &loop));
  if (!ClaimDescriptor(fd_)) {
    // Two watchers on one descriptor (in this thread or another): closing either would leave
    // the other polling a number the kernel may hand to an unrelated file.
    closed_ = true;
    ThrowRangeError(env, "ERR_SOCKET_OWNED", "descriptor " + std::to_string(fd_) + " already belongs to a Socket");
  }
  poll_ = new uv_poll_t;
  int status = uv_poll_init_socket(loop, poll_, fd_);
  if (status != 0) {
    // The descriptor stays the caller's to close.
    ForgetDescriptor(fd_);
    delete poll_;
    poll_ = nullptr;
    closed_ = true;
    Napi::Error error = Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(status));
    error.Set("errno", Napi::Number::New(env, -status));
    error.Set("syscall", Napi::String::New(env, "uv_poll_init"));
    throw error;
  }
  poll_->data = this;
  on_recv_ = Napi::Persistent(info[1].As<Napi::Function>());
  on_ready_ = Napi::Persistent(info[2].As<Napi::Function>());
  on_errors_ = Napi::Persistent(info[3].As<Napi::Function>());
  addon_->open_handles.insert(this);
}

SocketHandle::~SocketHandle() {
  // Finalized while open (the socket became garbage): close it, exactly once. A handle that is
  // watching holds a strong reference to itself, so only an idle one can get here.
  watching_ = false;
  CloseNow();
}

void SocketHandle::CloseNow() {
  if (closed_) return;
  closed_ = true;
  receives_.clear();
  rings_.clear();
  arena_.reset();  // up to 64 KiB a slot: not kept until the object is collected
  arena_slots_ = 0;
  if (watching_) {
    watching_ = false;
    ObjectWrap::Unref();
  }
  poll_->data = addon_;
  addon_->closing_handles++;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), OnClosed);
  poll_ = nullptr;
  CloseOwnedDescriptor(fd_);
  fd_ = -1;
  addon_->open_handles.erase(this);
}

Napi::Value SocketHandle::DescriptorOwned(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  return Napi::Boolean::New(info.Env(), bsdsock::DescriptorOwned(fd));
}

void SocketHandle::OnClosed(uv_handle_t* handle) {
  auto* addon = static_cast<AddonData*>(handle->data);
  delete reinterpret_cast<uv_poll_t*>(handle);
  addon->HandleClosed();
}

// recv(id, buffer | undefined, length, flags, tryNow, out) -> bytes or -errno when done at once,
// undefined when queued. One path for every recvfrom()/recv() of a Socket: when nothing waits
// before it (`tryNow`: JavaScript has nothing queued either) and the last receive did not find
// the queue empty, it is made at once, as libuv does; otherwise the drain makes it when the
// socket is readable. Done at once, out[0] is the sender, out[1] whether it was truncated,
// out[2] the Buffer of a receive without a caller buffer.
Napi::Value SocketHandle::Recv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = static_cast<uint32_t>(ArgInteger(info, 0, "id", 0, UINT32_MAX));
  bool own = info[1].IsUndefined();
  ByteSpan bytes{nullptr, 0};
  size_t length = 0;
  if (!own) {
    // Checked now for the caller's sake, and again when the kernel writes into it: the memory
    // may be detached or shrunk in between.
    bytes = ArgBytes(info, 1, "buffer");
    length = static_cast<size_t>(ArgInteger(info, 2, "length", 0, INT32_MAX));
    if (length > bytes.length) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "length is beyond the buffer");
  }
  int flags = ArgInt32(info, 3, "flags");
  bool try_now = ArgBool(info, 4, "tryNow");
  if (!info[5].IsArray()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "out must be an array");
  if (closed_) return Napi::Number::New(env, -EBADF);
  if (try_now && receives_.empty() && !drained_) {
    uint8_t* data = bytes.data;
    if (own) {
      EnsureArena(1);
      data = arena_.get();
      length = kScratchSize;
    }
    ssize_t received = ReceiveOne(env, data, length, flags, info[5].As<Napi::Array>(), own);
    if (received != -EAGAIN && received != -EWOULDBLOCK) return Napi::Number::New(env, static_cast<double>(received));
    drained_ = true;
  }
  PendingRecv request{id, Napi::Reference<Napi::Value>(), length, flags, -1, false};
  if (!own) request.buffer = Napi::Persistent(info[1]);
  receives_.push_back(std::move(request));
  UpdateWatcher();
  return env.Undefined();
}

ssize_t SocketHandle::ReceiveOne(Napi::Env env, uint8_t* data, size_t length, int flags, Napi::Array out, bool own) {
  sockaddr_storage from;
  iovec iov{data, length};
  msghdr message;
  InitMessage(&message, &iov, &from, sizeof from);
  receive_syscalls_++;
  ssize_t received = RetryOnEintr([&] { return recvmsg(fd_, &message, flags); });
  if (received < 0) return -errno;
  socklen_t from_length = message.msg_namelen < sizeof from ? message.msg_namelen : sizeof from;
  out.Set(0u, SenderAddress(env, from, from_length));
  out.Set(1u, Napi::Boolean::New(env, (message.msg_flags & MSG_TRUNC) != 0));
  if (own) out.Set(2u, Napi::Buffer<uint8_t>::Copy(env, data, std::min(static_cast<size_t>(received), length)));
  return received;
}

void SocketHandle::EnsureArena(size_t slots) {
  if (arena_slots_ >= slots) return;
  arena_.reset(new uint8_t[slots * kScratchSize]);  // uninitialised: only what arrives is touched
  arena_slots_ = slots;
}

// registerRing(slots, slotSize, pack, senders, out) -> id; out[0] the memory, out[1] the offset
// of its meta area: memory for batch receives, allocated once (see Ring). A packing ring's
// slots are the handle's scratch arena (slots of kScratchSize), so its memory is the meta area
// only. `senders` and `out` are JavaScript's arrays with every element present: storing into an
// element that exists runs no setter, so no JavaScript runs (and closes the socket, or releases
// the ring) while a ring is made or a batch is read.
Napi::Value SocketHandle::RegisterRing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t slots = static_cast<size_t>(ArgInteger(info, 0, "slots", 1, static_cast<int64_t>(kMaxBatch)));
  size_t slot_size = static_cast<size_t>(ArgInteger(info, 1, "slotSize", 1, static_cast<int64_t>(kScratchSize)));
  bool pack = ArgBool(info, 2, "pack");
  if (!info[3].IsArray() || info[3].As<Napi::Array>().Length() < slots) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "senders must be an array of slots elements");
  }
  if (!info[4].IsArray()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "out must be an array");
  if (closed_) ThrowRangeError(env, "ERR_SOCKET_CLOSED", "the socket is closed");
  auto ring = std::make_unique<Ring>();
  ring->slots = slots;
  ring->pack = pack;
  ring->slot_size = pack ? kScratchSize : slot_size;
  // The meta area is Int32-aligned after the slots.
  size_t data_bytes = pack ? 0 : (slots * slot_size + 7) / 8 * 8;
  ring->meta_offset = data_bytes;
  Napi::ArrayBuffer memory = Napi::ArrayBuffer::New(env, data_bytes + (1 + slots * kRingMetaStride) * sizeof(int32_t));
  ring->memory = Napi::Persistent(memory);
  ring->senders = Napi::Persistent(info[3].As<Napi::Object>());
  ring->sender_keys.resize(slots);
  ring->sender_lengths.assign(slots, kUnusedSender);
  ring->sender_batch.assign(slots, 0);
  size_t id = 0;
  while (id < rings_.size() && rings_[id] != nullptr) id++;
  if (id == rings_.size()) rings_.push_back(nullptr);
  rings_[id] = std::move(ring);
  Napi::Array out = info[4].As<Napi::Array>();
  out.Set(0u, memory);
  out.Set(1u, Napi::Number::New(env, static_cast<double>(data_bytes)));
  return Napi::Number::New(env, static_cast<double>(id));
}

SocketHandle::Ring* SocketHandle::RingOf(int id) {
  if (id < 0 || static_cast<size_t>(id) >= rings_.size()) return nullptr;
  return rings_[static_cast<size_t>(id)].get();
}

// releaseRing(id): the ring's memory is JavaScript's alone again (a request still queued for
// it is withdrawn first: it would write into memory nobody reads).
Napi::Value SocketHandle::ReleaseRing(const Napi::CallbackInfo& info) {
  int id = static_cast<int>(ArgInteger(info, 0, "id", 0, INT32_MAX));
  if (RingOf(id) == nullptr) return info.Env().Undefined();
  for (auto it = receives_.begin(); it != receives_.end();) {
    it = it->ring == id ? receives_.erase(it) : it + 1;
  }
  rings_[static_cast<size_t>(id)].reset();
  UpdateWatcher();
  return info.Env().Undefined();
}

// recvBatch(id, ring, flags, tryNow, out, gro) -> messages or -errno when done at once,
// undefined when queued (as recv()). A packed batch's Buffer is out[2] (undefined otherwise).
// `gro`: UDP_GRO is on, each message may be a coalesced receive (its segment size in the meta).
Napi::Value SocketHandle::RecvBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = static_cast<uint32_t>(ArgInteger(info, 0, "id", 0, UINT32_MAX));
  int ring_id = static_cast<int>(ArgInteger(info, 1, "ring", 0, INT32_MAX));
  int flags = ArgInt32(info, 2, "flags");
  bool try_now = ArgBool(info, 3, "tryNow");
  if (!info[4].IsArray()) ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "out must be an array");
  bool gro = ArgBool(info, 5, "gro");
  Ring* ring = RingOf(ring_id);
  if (ring == nullptr) ThrowRangeError(env, "ERR_OUT_OF_RANGE", "no such ring");
  if (closed_) return Napi::Number::New(env, -EBADF);
  if (try_now && receives_.empty() && !drained_) {
    Napi::Value packed = env.Undefined();
    int received = ReceiveRing(env, *ring, flags, gro, &packed);
    if (received != -EAGAIN && received != -EWOULDBLOCK) {
      info[4].As<Napi::Array>().Set(2u, packed);
      return Napi::Number::New(env, received);
    }
  }
  receives_.push_back(PendingRecv{id, Napi::Reference<Napi::Value>(), 0, flags, ring_id, gro});
  UpdateWatcher();
  return env.Undefined();
}

uint32_t SocketHandle::RingSender(Napi::Env env, Ring& ring, const sockaddr_storage& from, socklen_t length) {
  auto same = [&](size_t i) {
    return ring.sender_lengths[i] == length && std::memcmp(&ring.sender_keys[i], &from, length) == 0;
  };
  size_t found = ring.slots;
  if (same(ring.last_sender)) {
    found = ring.last_sender;
  } else {
    for (size_t i = 0; i < ring.slots; i++) {
      if (same(i)) {
        found = i;
        break;
      }
    }
  }
  if (found == ring.slots) {
    // A new sender: an index this batch has not used (there are as many as datagrams).
    for (size_t i = 0; i < ring.slots; i++) {
      size_t candidate = (ring.last_sender + 1 + i) % ring.slots;
      if (ring.sender_batch[candidate] != ring.batch) {
        found = candidate;
        break;
      }
    }
    // A batch has at most `slots` datagrams, each marking one index: one is always free. Were
    // none, the last one is reused rather than anything written out of bounds.
    if (found == ring.slots) found = ring.last_sender;
    std::memcpy(&ring.sender_keys[found], &from, length);
    ring.sender_lengths[found] = length;
    ring.senders.Value().Set(static_cast<uint32_t>(found), SenderAddress(env, from, length));
  }
  ring.sender_batch[found] = ring.batch;
  ring.last_sender = found;
  return static_cast<uint32_t>(found);
}

int SocketHandle::ReceiveRing(Napi::Env env, Ring& ring, int flags, bool gro, Napi::Value* packed) {
  Napi::ArrayBuffer memory = ring.memory.Value();
  // The caller can detach the memory (view.buffer.transfer()): never write into what is gone.
  if (memory.IsDetached()) return -EFAULT;
#ifndef BSDSOCK_HAVE_UDP_GSO
  gro = false;  // never on here
#endif
  // A coalesced receive may be 64 KiB: with GRO on, a ring whose memory holds such chunks
  // receives into them (as many receives as chunks); a smaller one packs, as a packing ring does.
  bool pack = ring.pack;
  size_t slot_size = ring.slot_size;
  size_t count = ring.slots;
  if (gro && !pack) {
    size_t chunks = ring.slots * ring.slot_size / kScratchSize;
    if (chunks == 0) pack = true;
    slot_size = kScratchSize;
    if (chunks > 0) count = chunks;
  }
  uint8_t* base = static_cast<uint8_t*>(memory.Data());
  uint8_t* slots = base;
  if (pack) {
    EnsureArena(count);
    slots = arena_.get();
  }
  if (batch_entries_.size() < count) {
    batch_entries_.resize(count);
    batch_from_.resize(count);
    batch_received_.resize(count);
  }
  for (size_t i = 0; i < count; i++) {
    batch_entries_[i] = BatchEntry{slots + i * slot_size, slot_size, nullptr, 0};
  }
  uint8_t* control = nullptr;
  if (gro) {
#if defined(BSDSOCK_HAVE_SOCK_CLOEXEC) && defined(MSG_CMSG_CLOEXEC)
    flags |= MSG_CMSG_CLOEXEC;  // as every recvmsg with control (native/msg.cc): no descriptor leaks
#endif
    size_t words = count * kRingControlSize / sizeof(uint64_t);
    if (ring_control_.size() < words) ring_control_.resize(words);
    if (ring_control_lengths_.size() < count) ring_control_lengths_.resize(count);
    control = reinterpret_cast<uint8_t*>(ring_control_.data());
  }
  receive_syscalls_++;
  int received = ReceiveBatch(fd_, batch_entries_.data(), count, flags, batch_from_.data(),
                              batch_received_.data(), batch_scratch_, control, kRingControlSize,
                              gro ? ring_control_lengths_.data() : nullptr);
  if (received < 0) {
    int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) drained_ = true;
    return -error;
  }
  if (static_cast<size_t>(received) < count) drained_ = true;  // the queue is empty
  int32_t* meta = reinterpret_cast<int32_t*>(base + ring.meta_offset);
  meta[0] = received;
  ring.batch++;
  size_t total = 0;
  for (int i = 0; i < received; i++) {
    const BatchReceived& got = batch_received_[i];
    size_t bytes = std::min(got.bytes, slot_size);
    socklen_t from_length = got.from_length < sizeof(sockaddr_storage) ? got.from_length : sizeof(sockaddr_storage);
    int32_t* entry = meta + 1 + i * kRingMetaStride;
    entry[0] = static_cast<int32_t>(bytes);
    entry[1] = got.flags;
    entry[2] = static_cast<int32_t>(RingSender(env, ring, batch_from_[i], from_length));
    entry[3] = gro ? GroSegmentSize(control + i * kRingControlSize, ring_control_lengths_[i]) : 0;
    total += bytes;
  }
  if (pack) {
    Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::New(env, total);
    size_t at = 0;
    for (int i = 0; i < received; i++) {
      size_t bytes = std::min(batch_received_[i].bytes, slot_size);
      if (bytes > 0) std::memcpy(buffer.Data() + at, batch_entries_[i].data, bytes);
      at += bytes;
    }
    *packed = buffer;
  }
  return received;
}

// cancelRecv(id) -> whether the request was still pending (an abort or a timeout).
Napi::Value SocketHandle::CancelRecv(const Napi::CallbackInfo& info) {
  uint32_t id = static_cast<uint32_t>(ArgInteger(info, 0, "id", 0, UINT32_MAX));
  for (auto it = receives_.begin(); it != receives_.end(); ++it) {
    if (it->id == id) {
      receives_.erase(it);
      UpdateWatcher();
      return Napi::Boolean::New(info.Env(), true);
    }
  }
  return Napi::Boolean::New(info.Env(), false);
}

// setInterest(readable, writable): readiness JavaScript wants to hear of (accept, sends
// waiting for room, a TCP connect in progress).
Napi::Value SocketHandle::SetInterest(const Napi::CallbackInfo& info) {
  js_readable_ = ArgBool(info, 0, "readable");
  js_writable_ = ArgBool(info, 1, "writable");
  if (!closed_) UpdateWatcher();
  return info.Env().Undefined();
}

// setErrorReports(on): whether error-queue reports go to onErrors. Linux only; elsewhere the
// JavaScript side refuses before it gets here.
Napi::Value SocketHandle::SetErrorReports(const Napi::CallbackInfo& info) {
  error_reports_ = ArgBool(info, 0, "on");
  if (!closed_) UpdateWatcher();
  return info.Env().Undefined();
}

// traceCalls(on): while on (the trace is), the drain hands JavaScript, beside its results, the
// receive syscalls it made: [flags, vlen, result or -errno] each (kTraceCallStride), so that
// lib/trace.ts prints them. Those that found nothing (EAGAIN) are left out. Off, nothing is
// built: the hot path pays one test of this flag per syscall.
Napi::Value SocketHandle::TraceCalls(const Napi::CallbackInfo& info) {
  trace_calls_ = ArgBool(info, 0, "on");
  return info.Env().Undefined();
}

// drainErrors() -> reports read. With IP_RECVERR every ICMP report is also the socket's pending
// error, which fails the next send or receive once; reading the queue resets it. JavaScript
// calls this when a call fails while reports are wanted, then tries the call again.
Napi::Value SocketHandle::DrainErrors(const Napi::CallbackInfo& info) {
  if (closed_) return Napi::Number::New(info.Env(), 0);
  return Napi::Number::New(info.Env(), DrainErrorQueue(info.Env()));
}

Napi::Value SocketHandle::Close(const Napi::CallbackInfo& info) {
  CloseNow();
  return info.Env().Undefined();
}

Napi::Value SocketHandle::Ref(const Napi::CallbackInfo& info) {
  referenced_loop_ = true;
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value SocketHandle::Unref(const Napi::CallbackInfo& info) {
  referenced_loop_ = false;
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value SocketHandle::Stats(const Napi::CallbackInfo& info) {
  Napi::Object stats = Napi::Object::New(info.Env());
  stats.Set("wakeups", Napi::Number::New(info.Env(), wakeups_));
  stats.Set("jsCalls", Napi::Number::New(info.Env(), js_calls_));
  stats.Set("receiveSyscalls", Napi::Number::New(info.Env(), receive_syscalls_));
  stats.Set("watching", Napi::Boolean::New(info.Env(), watching_));
  stats.Set("pendingReceives", Napi::Number::New(info.Env(), static_cast<double>(receives_.size())));
  return stats;
}

void SocketHandle::UpdateWatcher() {
  if (closed_) return;
  int events = 0;
  if (!receives_.empty() || js_readable_) events |= UV_READABLE;
  if (js_writable_) events |= UV_WRITABLE;
  // Only POLLERR is wanted for error reports. epoll reports it whatever was asked for, and
  // POLLPRI never fires on a datagram socket: asking for UV_PRIORITIZED alone watches errors
  // without waking for data nobody waits for.
  if (error_reports_ && events == 0) events |= UV_PRIORITIZED;
  // Nothing watches readability now: whether the queue was found empty says nothing from here on.
  if (!(events & UV_READABLE)) drained_ = false;
  if (events == 0) {
    if (watching_) {
      uv_poll_stop(poll_);
      watching_ = false;
      ObjectWrap::Unref();  // idle: the object may be collected (and its finalizer closes it)
    }
    return;
  }
  // uv_poll_start() always takes the descriptor out of epoll and puts it back (two syscalls):
  // call it only when the events change, or when libuv stopped the watcher on its own after
  // POLLERR (see HandlePoll).
  if (!watching_ || events != watched_events_ || stopped_by_libuv_) {
    uv_poll_start(poll_, events, OnPoll);
    watched_events_ = events;
    stopped_by_libuv_ = false;
  }
  if (!watching_) {
    watching_ = true;
    ObjectWrap::Ref();  // something waits: keep the object (and its callbacks) alive
  }
}

void SocketHandle::OnPoll(uv_poll_t* poll, int status, int events) {
  auto* self = static_cast<SocketHandle*>(poll->data);
  if (self == nullptr || self->closed_) return;
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  try {
    self->HandlePoll(status, events);
  } catch (const Napi::Error&) {
    // JavaScript could not run (the environment is being torn down): nothing to report to.
  }
}

void SocketHandle::HandlePoll(int status, int events) {
  Napi::Env env = Env();
  wakeups_++;
  int error = 0;
  // When only errors are watched (UV_PRIORITIZED, see UpdateWatcher), libuv merges the events
  // asked for into a bare EPOLLERR and reports "prioritized" instead of UV_EBADF: the same news.
  if (status < 0) stopped_by_libuv_ = true;  // libuv stops a watcher that reports UV_EBADF
  if (status < 0 || (events & UV_PRIORITIZED)) {
    // libuv saw POLLERR (a pending socket error, such as the ECONNREFUSED of an ICMP port
    // unreachable, or reports in the error queue), reported UV_EBADF and stopped the watcher.
    // The socket is fine. Reports the caller asked for are read first: each read from the
    // error queue also resets the pending error, so data receives stay clean. Then the real
    // pending error, if one is left, is read (which clears it) and goes to the waiting
    // operation, and the queue is emptied so that POLLERR clears: otherwise the watcher would
    // wake again at once, for ever.
    if (error_reports_) DrainErrorQueue(env);
    if (closed_) return;
    socklen_t length = sizeof error;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) == -1) error = errno;
    if (!error_reports_) DrainErrorQueue(env);
    events = UV_READABLE | UV_WRITABLE;
  }
  if (events & UV_READABLE) drained_ = false;
  if ((events & UV_READABLE) && !receives_.empty()) {
    DrainReceives(env, error);
    error = 0;
    if (closed_) return;
  }
  int ready = 0;
  if (js_readable_ && (events & UV_READABLE)) ready |= kReadable;
  if (js_writable_ && (events & UV_WRITABLE)) ready |= kWritable;
  if (ready != 0 || (error != 0 && (js_readable_ || js_writable_))) {
    CallIntoJs(on_ready_, {Napi::Number::New(env, ready), Napi::Number::New(env, error)});
    if (closed_) return;
  }
  // The queue found empty holds for the receives JavaScript made in the callbacks above; one
  // made in a later turn of the loop tries at once (data may have come in meanwhile).
  drained_ = false;
  UpdateWatcher();
}

Napi::Value SocketHandle::SenderAddress(Napi::Env env, const sockaddr_storage& from, socklen_t length) {
  if (!last_from_object_.IsEmpty() && length == last_from_length_ &&
      std::memcmp(&from, &last_from_, length) == 0) {
    return last_from_object_.Value();
  }
  Napi::Object decoded = DecodeAddress(env, from, length);
  decoded.Freeze();
  std::memcpy(&last_from_, &from, length);
  last_from_length_ = length;
  last_from_object_ = Napi::Persistent(decoded);
  return decoded;
}

void SocketHandle::DrainReceives(Napi::Env env, int pending_error) {
  // Results go to JavaScript in one call: [id, bytes or -errno, from, truncated, buffer]...
  Napi::Array results = Napi::Array::New(env);
  uint32_t n = 0;
  Napi::Array calls = trace_calls_ ? Napi::Array::New(env) : Napi::Array();
  uint32_t c = 0;
  auto traced = [&](int flags, size_t vlen, int result) {
    calls.Set(c++, Napi::Number::New(env, flags));
    calls.Set(c++, Napi::Number::New(env, static_cast<double>(vlen)));
    calls.Set(c++, Napi::Number::New(env, result));
  };
  auto push = [&](uint32_t id, double bytes, Napi::Value from, bool truncated, Napi::Value buffer) {
    results.Set(n++, Napi::Number::New(env, id));
    results.Set(n++, Napi::Number::New(env, bytes));
    results.Set(n++, from);
    results.Set(n++, Napi::Boolean::New(env, truncated));
    results.Set(n++, buffer);
  };
  if (pending_error != 0) {
    push(receives_.front().id, -pending_error, env.Undefined(), false, env.Undefined());
    receives_.pop_front();
  }
  // Batches of the pending receives, one recvmmsg each (a loop of recvmsg without it).
  int done = 0;
  while (done < kMaxReceivesPerWakeup && !receives_.empty()) {
    if (receives_.front().ring >= 0) {
      // A batch into a registered ring: one recvmmsg of its own.
      PendingRecv& request = receives_.front();
      Ring* ring = RingOf(request.ring);
      Napi::Value packed = env.Undefined();
      int received = ReceiveRing(env, *ring, request.flags, request.gro, &packed);
      if (received == -EAGAIN || received == -EWOULDBLOCK) break;
      // A GRO batch is traced by JavaScript, with its control messages (lib/receive-ring.ts).
      if (trace_calls_ && !request.gro) traced(request.flags, ring->slots, received);
      push(request.id, received, env.Undefined(), false, packed);
      receives_.pop_front();
      done += std::max(received, 1);
      if (drained_) break;
      continue;
    }
    size_t wanted = std::min<size_t>(receives_.size(), static_cast<size_t>(kMaxReceivesPerWakeup - done));
    int flags = receives_.front().flags;
    size_t owned = 0;
    for (size_t i = 0; i < wanted; i++) owned += receives_[i].buffer.IsEmpty() ? 1 : 0;
    EnsureArena(owned);
    if (batch_entries_.size() < wanted) {
      batch_entries_.resize(wanted);
      batch_from_.resize(wanted);
      batch_received_.resize(wanted);
    }
    size_t prepared = 0;
    size_t slot = 0;
    bool failed_head = false;
    for (; prepared < wanted; prepared++) {
      PendingRecv& request = receives_[prepared];
      if (request.flags != flags || request.ring >= 0) break;  // one batch, one set of flags
      if (request.buffer.IsEmpty()) {
        batch_entries_[prepared] = BatchEntry{arena_.get() + slot++ * kScratchSize, kScratchSize, nullptr, 0};
        continue;
      }
      ByteSpan bytes = BytesOf(env, request.buffer.Value(), "buffer");
      if (request.length > bytes.length) {
        // Detached or shrunk since it was queued: never write outside what exists now.
        if (prepared == 0) failed_head = true;
        break;
      }
      batch_entries_[prepared] = BatchEntry{bytes.data, request.length, nullptr, 0};
    }
    if (failed_head) {
      push(receives_.front().id, -EFAULT, env.Undefined(), false, env.Undefined());
      receives_.pop_front();
      done++;
      continue;
    }
    receive_syscalls_++;
    int received = ReceiveBatch(fd_, batch_entries_.data(), prepared, flags, batch_from_.data(),
                                batch_received_.data(), batch_scratch_);
    if (received == -1) {
      int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) {
        drained_ = true;  // drained (or a spurious wake-up)
        break;
      }
      if (trace_calls_) traced(flags, prepared, -error);
      // An error belongs to the oldest receive (ECONNREFUSED is reported once); go on.
      push(receives_.front().id, -error, env.Undefined(), false, env.Undefined());
      receives_.pop_front();
      done++;
      continue;
    }
    if (trace_calls_) traced(flags, prepared, received);
    for (int i = 0; i < received; i++) {
      PendingRecv& request = receives_.front();
      const BatchEntry& entry = batch_entries_[i];
      const BatchReceived& got = batch_received_[i];
      socklen_t from_length = got.from_length < sizeof(sockaddr_storage) ? got.from_length : sizeof(sockaddr_storage);
      Napi::Value buffer = env.Undefined();
      if (request.buffer.IsEmpty()) {
        buffer = Napi::Buffer<uint8_t>::Copy(env, entry.data, std::min(got.bytes, entry.length));
      }
      push(request.id, static_cast<double>(got.bytes), SenderAddress(env, batch_from_[i], from_length),
           (got.flags & MSG_TRUNC) != 0, buffer);
      receives_.pop_front();
    }
    done += received;
    if (static_cast<size_t>(received) < prepared) {
      drained_ = true;  // the queue is empty
      break;
    }
  }
  if (n > 0) CallIntoJs(on_recv_, {results, trace_calls_ ? napi_value(calls) : napi_value(env.Undefined())});
}

int SocketHandle::DrainErrorQueue(Napi::Env env) {
#ifdef MSG_ERRQUEUE
  // Each report: [destination, control entries, payload]; the payload is the start of the
  // datagram that failed, as the kernel returns it.
  constexpr int kMaxReportsPerWakeup = 64;
  uint8_t payload[512];
  alignas(std::max_align_t) uint8_t control[512];
  Napi::Array reports = error_reports_ ? Napi::Array::New(env) : Napi::Array();
  uint32_t n = 0;
  int count = 0;
  for (; count < kMaxReportsPerWakeup; count++) {
    sockaddr_storage destination;
    iovec iov{payload, sizeof payload};
    msghdr message;
    InitMessage(&message, &iov, &destination, sizeof destination);
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t received = RetryOnEintr([&] { return recvmsg(fd_, &message, MSG_ERRQUEUE | MSG_DONTWAIT); });
    if (received == -1) break;  // EAGAIN: empty (or not an IP socket with IP_RECVERR)
    if (!error_reports_) continue;
    socklen_t name_length = message.msg_namelen < sizeof destination ? message.msg_namelen : sizeof destination;
    size_t stored = static_cast<size_t>(received) < sizeof payload ? static_cast<size_t>(received) : sizeof payload;
    reports.Set(n++, DecodeAddress(env, destination, name_length));
    reports.Set(n++, ParseControl(env, control, message.msg_controllen));
    reports.Set(n++, Napi::Buffer<uint8_t>::Copy(env, payload, stored));
  }
  if (n > 0) CallIntoJs(on_errors_, {reports});
  return count;
#else
  (void)env;
  return 0;
#endif
}

bool SocketHandle::CallIntoJs(Napi::FunctionReference& callback, std::initializer_list<napi_value> args) {
  Napi::Env env = Env();
  js_calls_++;
  napi_value result;
  // MakeCallback, not Call: promise continuations queued by the callback run before control
  // returns to libuv, as for any callback from Node's own handles.
  napi_status status = napi_make_callback(env, addon_->async_context, Value(), callback.Value(),
                                          args.size(), args.begin(), &result);
  if (status == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);  // a bug in a callback: surface it as uncaught
    return false;
  }
  return status == napi_ok;
}

}  // namespace bsdsock
