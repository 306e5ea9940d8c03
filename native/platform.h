// Platform differences, in one place. Everything Linux-only is switched here, and the portable
// build (BSDSOCK_PORTABLE) turns every Linux fast path off so that the code macOS runs is also
// built and tested on Linux.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#if defined(__linux__)
// The platform itself, for what is a fact of it rather than a fast path: its headers
// (linux/errqueue.h), its struct layouts (ip_mreq_source), its names (ICMP_DEST_UNREACH).
// Unlike the BSDSOCK_HAVE_* switches below, the portable build keeps it.
#define BSDSOCK_OS_LINUX 1
#endif

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__OpenBSD__) || defined(__DragonFly__)
// BSD sockaddrs carry their own length (sin_len, sin6_len, sun_len).
#define BSDSOCK_HAVE_SA_LEN 1
#endif

#if defined(__linux__) && !defined(BSDSOCK_PORTABLE)
// socket(), socketpair() and accept4() take SOCK_CLOEXEC, so there is no window in which a
// concurrent fork+exec could inherit the descriptor.
#define BSDSOCK_HAVE_SOCK_CLOEXEC 1
#endif

#if defined(__linux__) && !defined(BSDSOCK_PORTABLE)
// sendmmsg()/recvmmsg(): a batch of datagrams in one syscall. Elsewhere a loop of
// sendmsg()/recvmsg() gives the same results, one syscall per datagram.
#define BSDSOCK_HAVE_MMSG 1
#endif

#if defined(__linux__) && !defined(BSDSOCK_PORTABLE)
#include <netinet/udp.h>
#if defined(UDP_SEGMENT) && defined(UDP_GRO) && defined(SOL_UDP)
// UDP segmentation offload (GSO, Linux 4.18) and receive coalescing (GRO, Linux 5.0): one
// sendmsg() carries many datagrams of one size, one recvmsg() may return many. Elsewhere a
// segmented send is split into one datagram per segment (segment.h) and GRO is never on.
#define BSDSOCK_HAVE_UDP_GSO 1
#endif
#endif

#if defined(MSG_NOSIGNAL)
// Node ignores SIGPIPE, but a library must not depend on its host: stream sends pass
// MSG_NOSIGNAL where it exists, and macOS sockets get SO_NOSIGPIPE instead.
#define BSDSOCK_SEND_FLAGS MSG_NOSIGNAL
#else
#define BSDSOCK_SEND_FLAGS 0
#endif
