#include "name_lookup.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <netdb.h>
#include <sys/socket.h>

#include "address.h"
#include "args.h"

namespace bsdsock {

namespace {

// ---- The lookups themselves: plain C++, safe to run on any thread. ----

struct AddressEntry {
  int family;
  int socktype;
  int protocol;
  sockaddr_storage address;
  socklen_t length;
  bool has_canonname;
  std::string canonname;
};

struct AddressLookup {
  // Inputs.
  bool has_node = false;
  std::string node;
  bool has_service = false;
  std::string service;
  addrinfo hints{};
  // Outputs: eai 0 and the entries, or the EAI_* code (and errno for EAI_SYSTEM).
  int eai = 0;
  int system_errno = 0;
  std::vector<AddressEntry> entries;

  void Run() {
    addrinfo* list = nullptr;
    errno = 0;
    eai = getaddrinfo(has_node ? node.c_str() : nullptr, has_service ? service.c_str() : nullptr,
                      &hints, &list);
    if (eai != 0) {
      system_errno = errno;
      return;
    }
    for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
      AddressEntry entry{};
      entry.family = ai->ai_family;
      entry.socktype = ai->ai_socktype;
      entry.protocol = ai->ai_protocol;
      // Copy only what fits: the storage is the largest sockaddr there is.
      entry.length = ai->ai_addrlen <= sizeof entry.address ? ai->ai_addrlen : 0;
      if (ai->ai_addr != nullptr && entry.length > 0) std::memcpy(&entry.address, ai->ai_addr, entry.length);
      if (ai->ai_canonname != nullptr) {
        entry.has_canonname = true;
        entry.canonname = ai->ai_canonname;
      }
      entries.push_back(std::move(entry));
    }
    freeaddrinfo(list);
  }
};

struct NameLookup {
  sockaddr_storage address{};
  socklen_t length = 0;
  int flags = 0;
  int eai = 0;
  int system_errno = 0;
  std::string host;
  std::string service;

  void Run() {
    char host_buffer[NI_MAXHOST];
    char service_buffer[NI_MAXSERV];
    errno = 0;
    eai = getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host_buffer,
                      sizeof host_buffer, service_buffer, sizeof service_buffer, flags);
    if (eai != 0) {
      system_errno = errno;
      return;
    }
    host = host_buffer;
    service = service_buffer;
  }
};

// ---- JavaScript in and out. ----

Napi::Object Failed(Napi::Env env, int eai, int system_errno) {
  Napi::Object failure = Napi::Object::New(env);
  failure.Set("eai", Napi::Number::New(env, eai));
  failure.Set("errno", Napi::Number::New(env, eai == EAI_SYSTEM ? system_errno : 0));
  return failure;
}

std::string CheckedName(const Napi::CallbackInfo& info, size_t index, const char* name) {
  std::string text = ArgString(info, index, name);
  if (text.find('\0') != std::string::npos) {
    ThrowTypeError(info.Env(), "ERR_INVALID_ARG_VALUE",
                   std::string("The \"") + name + "\" argument must not contain null bytes");
  }
  return text;
}

void ReadAddressLookup(const Napi::CallbackInfo& info, AddressLookup* lookup) {
  if (!info[0].IsNull() && !info[0].IsUndefined()) {
    lookup->has_node = true;
    lookup->node = CheckedName(info, 0, "node");
  }
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    lookup->has_service = true;
    lookup->service = CheckedName(info, 1, "service");
  }
  lookup->hints.ai_family = ArgInt32(info, 2, "hints.family");
  lookup->hints.ai_socktype = ArgInt32(info, 3, "hints.socktype");
  lookup->hints.ai_protocol = ArgInt32(info, 4, "hints.protocol");
  lookup->hints.ai_flags = ArgInt32(info, 5, "hints.flags");
}

Napi::Value AddressResult(Napi::Env env, const AddressLookup& lookup) {
  if (lookup.eai != 0) return Failed(env, lookup.eai, lookup.system_errno);
  Napi::Array result = Napi::Array::New(env, lookup.entries.size());
  uint32_t i = 0;
  for (const AddressEntry& entry : lookup.entries) {
    Napi::Array item = Napi::Array::New(env, 5);
    item.Set(0u, Napi::Number::New(env, entry.family));
    item.Set(1u, Napi::Number::New(env, entry.socktype));
    item.Set(2u, Napi::Number::New(env, entry.protocol));
    item.Set(3u, DecodeAddress(env, entry.address, entry.length));
    item.Set(4u, entry.has_canonname ? Napi::String::New(env, entry.canonname) : env.Undefined());
    result.Set(i++, item);
  }
  return result;
}

void ReadNameLookup(const Napi::CallbackInfo& info, NameLookup* lookup) {
  SockaddrArg address;
  ArgSockaddr(info, 0, &address);
  lookup->address = address.storage;
  lookup->length = address.length;
  lookup->flags = ArgInt32(info, 1, "flags");
}

Napi::Value NameResult(Napi::Env env, const NameLookup& lookup) {
  if (lookup.eai != 0) return Failed(env, lookup.eai, lookup.system_errno);
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::String::New(env, lookup.host));
  result.Set(1u, Napi::String::New(env, lookup.service));
  return result;
}

// Runs a lookup on the libuv thread pool of the calling environment (a worker's own loop in a
// worker) and settles a promise with what the synchronous call would have returned.
template <typename Lookup, Napi::Value (*ToJs)(Napi::Env, const Lookup&)>
class LookupWorker : public Napi::AsyncWorker {
 public:
  LookupWorker(Napi::Env env, Lookup lookup)
      : Napi::AsyncWorker(env, "bsdsock:lookup"), lookup_(std::move(lookup)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { lookup_.Run(); }
  void OnOK() override { deferred_.Resolve(ToJs(Env(), lookup_)); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Lookup lookup_;
  Napi::Promise::Deferred deferred_;
};

}  // namespace

Napi::Value Getaddrinfo(const Napi::CallbackInfo& info) {
  AddressLookup lookup;
  ReadAddressLookup(info, &lookup);
  lookup.Run();
  return AddressResult(info.Env(), lookup);
}

Napi::Value GetaddrinfoAsync(const Napi::CallbackInfo& info) {
  AddressLookup lookup;
  ReadAddressLookup(info, &lookup);
  auto* worker = new LookupWorker<AddressLookup, AddressResult>(info.Env(), std::move(lookup));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // the worker deletes itself once settled
  return promise;
}

Napi::Value Getnameinfo(const Napi::CallbackInfo& info) {
  NameLookup lookup;
  ReadNameLookup(info, &lookup);
  lookup.Run();
  return NameResult(info.Env(), lookup);
}

Napi::Value GetnameinfoAsync(const Napi::CallbackInfo& info) {
  NameLookup lookup;
  ReadNameLookup(info, &lookup);
  auto* worker = new LookupWorker<NameLookup, NameResult>(info.Env(), std::move(lookup));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace bsdsock
