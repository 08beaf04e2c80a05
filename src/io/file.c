/* Read-only mapped files. A model file is opened O_RDONLY and mapped
 * PROT_READ: ckpt cannot modify its input even by mistake. */
#include "ckpt/io.h"
#include "ckpt/rules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

ck_status ck_file_open(ck_file *f, const char *path, ck_diag *d) {
    memset(f, 0, sizeof *f);
    ck_where w = {.file = path, .offset = CK_NO_OFFSET};
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
     * below. It changes nothing for a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        ck_report(d, &CK_RULE_IO_OPEN, CK_ERR_IO, 0, &w, "cannot open: %s", strerror(errno));
        return CK_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        ck_report(d, &CK_RULE_IO_OPEN, CK_ERR_IO, 0, &w, "cannot stat: %s", strerror(e));
        return CK_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        ck_report(d, &CK_RULE_IO_NOT_REGULAR, CK_ERR_IO, 0, &w, "%s",
                  S_ISDIR(st.st_mode) ? "is a directory, not a model file" : "is not a regular file");
        return CK_ERR_IO;
    }
    f->path = strdup(path);
    if (!f->path) {
        close(fd);
        return CK_ERR_NOMEM;
    }
    f->size = (uint64_t)st.st_size;
    if (f->size > 0) {
        void *p = mmap(NULL, (size_t)f->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            ck_report(d, &CK_RULE_IO_MAP, CK_ERR_IO, 0, &w, "cannot map %llu bytes: %s",
                      (unsigned long long)f->size, strerror(e));
            free(f->path);
            f->path = NULL;
            return CK_ERR_IO;
        }
        f->data = p;
        f->mapped = 1;
    }
    f->fd = fd;
    f->has_fd = true;
    return CK_OK;
}

ck_status ck_file_from_memory(ck_file *f, const char *name, const void *data, size_t size) {
    memset(f, 0, sizeof *f);
    f->path = strdup(name);
    if (!f->path) return CK_ERR_NOMEM;
    f->data = data;
    f->size = size;
    return CK_OK;
}

void ck_file_close(ck_file *f) {
    if (f->mapped && f->data) munmap((void *)f->data, (size_t)f->size);
    if (f->has_fd) close(f->fd);
    free(f->path);
    memset(f, 0, sizeof *f);
}

void ck_file_will_read(const ck_file *f, uint64_t offset, uint64_t len) {
    if (!f->mapped || offset >= f->size) return;
    long page = sysconf(_SC_PAGESIZE);
    uint64_t start = offset & ~((uint64_t)page - 1);
    uint64_t end = offset + len > f->size ? f->size : offset + len;
    madvise((void *)(f->data + start), (size_t)(end - start), MADV_WILLNEED);
}
