// A batch of datagrams prepared once and sent many times: the buffers and addresses are
// checked and referenced when it is made, so that each send crosses into C++ once and reads no
// JavaScript array (an element read costs more than the rest of a message's work). What a C
// program does with its mmsghdr array: the contents of the buffers may change between sends,
// the buffers themselves do not.
#pragma once

#include "build_config.h"

#include <vector>

#include <sys/socket.h>

#include "batch.h"

namespace bsdsock {

class PreparedBatch : public Napi::ObjectWrap<PreparedBatch> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new PreparedBatch(buffers[], addresses[] (encoded, or undefined) | undefined,
  //                   segments[] (datagram sizes, 0 for none) | undefined)
  explicit PreparedBatch(const Napi::CallbackInfo& info);

 private:
  // send(fd, flags, split?, progressOut?) -> count | -errno, as sendmmsg() (split: segments by
  // hand; progressOut[0]: the bytes of a message sent in part, see SendBatch).
  Napi::Value Send(const Napi::CallbackInfo& info);

  // References keep every buffer (and encoded address) alive as long as the batch. Each send
  // reads the views again (a pointer taken earlier could be stale after a detach): a detached
  // buffer is sent as what it is now, zero bytes, never as the memory it had.
  std::vector<Napi::Reference<Napi::Value>> buffers_;
  std::vector<Napi::Reference<Napi::Value>> addresses_;  // empty: no address (connected socket)
  // For each message, the first message whose address is the same object (itself if none
  // before), so that a batch to one destination reads its address once per send.
  std::vector<size_t> address_source_;
  std::vector<uint16_t> segments_;  // empty: no message is segmented
  std::vector<BatchEntry> entries_;
  std::vector<sockaddr_storage> spare_;  // for addresses that are not aligned
  BatchScratch scratch_;
};

}  // namespace bsdsock
