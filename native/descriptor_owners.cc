#include "descriptor_owners.h"

#include <mutex>
#include <unordered_set>

#include "descriptor.h"

namespace bsdsock {

namespace {

struct Owners {
  std::mutex mutex;
  std::unordered_set<int> fds;
};

// Never destroyed: a worker may still close a socket while the process exits.
Owners& TheOwners() {
  static Owners* owners = new Owners();
  return *owners;
}

}  // namespace

bool ClaimDescriptor(int fd) {
  Owners& owners = TheOwners();
  std::lock_guard<std::mutex> lock(owners.mutex);
  return owners.fds.insert(fd).second;
}

int CloseOwnedDescriptor(int fd) {
  Owners& owners = TheOwners();
  std::lock_guard<std::mutex> lock(owners.mutex);
  int result = CloseDescriptor(fd);
  owners.fds.erase(fd);
  return result;
}

void ForgetDescriptor(int fd) {
  Owners& owners = TheOwners();
  std::lock_guard<std::mutex> lock(owners.mutex);
  owners.fds.erase(fd);
}

bool DescriptorOwned(int fd) {
  Owners& owners = TheOwners();
  std::lock_guard<std::mutex> lock(owners.mutex);
  return owners.fds.count(fd) != 0;
}

}  // namespace bsdsock
