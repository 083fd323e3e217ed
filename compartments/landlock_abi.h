/*
 * landlock_abi.h: the landlock UAPI as of ABI 6, for building on systems whose kernel
 * headers are older than the kernel they run on (Debian 12 ships 6.1 headers, which stop
 * at ABI 2). Values are the kernel's; each is defined only if the headers lack it.
 */
#ifndef AIRLOCK_LANDLOCK_ABI_H
#define AIRLOCK_LANDLOCK_ABI_H

#include <stdint.h>
#include <sys/syscall.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

/* The attribute grew with the ABI: the kernel takes the size we pass and zero-extends. */
struct al_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct al_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

struct al_landlock_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
};

#define AL_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define AL_LANDLOCK_RULE_PATH_BENEATH 1
#define AL_LANDLOCK_RULE_NET_PORT 2

#define AL_LL_FS_EXECUTE (1ULL << 0)
#define AL_LL_FS_WRITE_FILE (1ULL << 1)
#define AL_LL_FS_READ_FILE (1ULL << 2)
#define AL_LL_FS_READ_DIR (1ULL << 3)
#define AL_LL_FS_REMOVE_DIR (1ULL << 4)
#define AL_LL_FS_REMOVE_FILE (1ULL << 5)
#define AL_LL_FS_MAKE_CHAR (1ULL << 6)
#define AL_LL_FS_MAKE_DIR (1ULL << 7)
#define AL_LL_FS_MAKE_REG (1ULL << 8)
#define AL_LL_FS_MAKE_SOCK (1ULL << 9)
#define AL_LL_FS_MAKE_FIFO (1ULL << 10)
#define AL_LL_FS_MAKE_BLOCK (1ULL << 11)
#define AL_LL_FS_MAKE_SYM (1ULL << 12)
#define AL_LL_FS_REFER (1ULL << 13)     /* ABI 2 */
#define AL_LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define AL_LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

#define AL_LL_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define AL_LL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */

#define AL_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define AL_LL_SCOPE_SIGNAL (1ULL << 1)               /* ABI 6 */

#endif
