// CFileStatus: stat(2) through a struct of this module's own, so that Swift code reads file
// identities without touching the C library's `struct stat`, whose owning Clang module differs
// with the build (Glibc, CoreFoundation or CDispatch), which MemberImportVisibility rejects.
#ifndef CFILESTATUS_SHIM_H
#define CFILESTATUS_SHIM_H

#include <stdint.h>
#include <sys/stat.h>

/// What identifies one version of a file: device, inode, size, modification and change times.
typedef struct custody_file_status {
    uint64_t device;
    uint64_t inode;
    int64_t size;
    int64_t modified_seconds;
    int64_t modified_nanoseconds;
    int64_t changed_seconds;
    int64_t changed_nanoseconds;
} custody_file_status;

/// Fills `status` for the file at `path` (following symbolic links); 0 on success, -1 with
/// errno set otherwise.
static inline int custody_file_status_read(const char *path, custody_file_status *status) {
    struct stat info;
    if (stat(path, &info) != 0) {
        return -1;
    }
    status->device = (uint64_t)info.st_dev;
    status->inode = (uint64_t)info.st_ino;
    status->size = (int64_t)info.st_size;
#if defined(__APPLE__)
    status->modified_seconds = (int64_t)info.st_mtimespec.tv_sec;
    status->modified_nanoseconds = (int64_t)info.st_mtimespec.tv_nsec;
    status->changed_seconds = (int64_t)info.st_ctimespec.tv_sec;
    status->changed_nanoseconds = (int64_t)info.st_ctimespec.tv_nsec;
#else
    status->modified_seconds = (int64_t)info.st_mtim.tv_sec;
    status->modified_nanoseconds = (int64_t)info.st_mtim.tv_nsec;
    status->changed_seconds = (int64_t)info.st_ctim.tv_sec;
    status->changed_nanoseconds = (int64_t)info.st_ctim.tv_nsec;
#endif
    return 0;
}

#endif
