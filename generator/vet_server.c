/*
 * vet_server.c - the throwaway PostgreSQL of `pqgen vet`: initdb and postgres in a temp dir
 * (data and unix socket, no TCP port), as the system user "pqgen" when run as root (PostgreSQL
 * refuses root), stopped and removed at the end, on errors and on SIGINT/SIGTERM/SIGHUP.
 */
#include "vet.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the throwaway server ---------------------------------------------------------------- */

/* What the signal handler needs, in plain statics: it may only call async-signal-safe code. */
static volatile pid_t tmp_server_pid = -1;
static volatile pid_t tmp_child_pid = -1; /* initdb, while it runs */
static char tmp_server_dir[512];
static struct sigaction old_int, old_term, old_hup;

/* rm -rf dir from a child process (async-signal-safe: fork, execv, waitpid). */
static void
remove_tree(const char *dir)
{
    if (!dir[0])
        return;
    pid_t p = fork();
    if (p == 0) {
        char *const argv[] = {"rm", "-rf", (char *)dir, NULL};
        execv("/bin/rm", argv);
        _exit(127);
    }
    if (p > 0)
        while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
            ;
}

static void
on_signal(int sig)
{
    pid_t child = tmp_child_pid;
    if (child > 0) {
        /* The whole group: initdb's own postgres children would go on writing otherwise. */
        kill(-child, SIGKILL);
        kill(child, SIGKILL);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            ;
        tmp_child_pid = -1;
    }
    pid_t pid = tmp_server_pid;
    if (pid > 0) {
        kill(pid, SIGQUIT); /* immediate shutdown */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        tmp_server_pid = -1;
    }
    remove_tree(tmp_server_dir);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig);
}


static int
find_pg_bin(char *out, size_t n)
{
    const char *env = getenv("PG_BIN");
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/postgres", 0, NULL, &g) != 0)
        return -1;
    long best = -1;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        long v = strtol(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"), NULL, 10);
        if (v > best) {
            best = v;
            snprintf(out, n, "%s", g.gl_pathv[i]);
        }
    }
    globfree(&g);
    char *slash = strrchr(out, '/');
    if (best < 0 || !slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* Blocks the signals the handler catches; *prev is the mask to restore. */
static void
hold_signals(sigset_t *prev)
{
    sigset_t hold;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigaddset(&hold, SIGHUP);
    sigprocmask(SIG_BLOCK, &hold, prev);
}

/* Runs argv (as s->uid when root) with stdout/stderr to logpath; exec_only: do not wait, return
 * the pid. Otherwise returns the exit status, or -1. */
static pid_t
spawn(const vet_server *s, char *const argv[], const char *logpath, bool exec_only)
{
    /* Signals wait until the handler knows the child, so it can always stop it. */
    sigset_t prev;
    hold_signals(&prev);
    pid_t p = fork();
    if (p < 0) {
        sigprocmask(SIG_SETMASK, &prev, NULL);
        return -1;
    }
    if (p == 0) {
        sigprocmask(SIG_SETMASK, &prev, NULL);
        if (s->drop) {
            if (setgroups(0, NULL) != 0 || setgid(s->gid) != 0 || setuid(s->uid) != 0)
                _exit(126);
        }
        if (chdir(s->dir) != 0)
            _exit(126);
        int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) {
            dup2(nul, 0);
            close(nul);
        }
        /* A terminal's Ctrl-C reaches us; we stop the server ourselves. */
        setpgid(0, 0);
        execv(argv[0], argv);
        _exit(127);
    }
    setpgid(p, p); /* also here, so the group exists before a signal can name it */
    if (exec_only) {
        tmp_server_pid = p;
        sigprocmask(SIG_SETMASK, &prev, NULL);
        return p;
    }
    tmp_child_pid = p;
    sigprocmask(SIG_SETMASK, &prev, NULL);
    int st;
    while (waitpid(p, &st, 0) < 0)
        if (errno != EINTR) {
            tmp_child_pid = -1;
            return -1;
        }
    tmp_child_pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The last lines of a log file, for error messages. Caller owns; release with free(). */
static char *
log_tail(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("(no log)");
    char buf[1200];
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, sz > 1000 ? sz - 1000 : 0, SEEK_SET);
    size_t n = fread(buf, 1, 1000, f);
    buf[n] = '\0';
    fclose(f);
    while (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    return strdup(buf);
}

void
vet_server_stop(vet_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGINT); /* fast shutdown */
        int st;
        for (int i = 0; i < 300; i++) {
            pid_t r = waitpid(s->pid, &st, WNOHANG);
            if (r == s->pid || (r < 0 && errno != EINTR))
                break;
            if (i == 250)
                kill(s->pid, SIGQUIT);
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        s->pid = -1;
    }
    tmp_server_pid = -1;
    if (s->dir[0])
        remove_tree(s->dir);
    tmp_server_dir[0] = '\0';
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
}

int
vet_server_start(vet_server *s, diag_list *d)
{
    memset(s, 0, sizeof *s);
    s->pid = -1;
    if (find_pg_bin(s->bin, sizeof s->bin) < 0) {
        diag_add(d, DIAG_ERROR, NULL, 0, "install PostgreSQL (scripts/deps.sh) or pass --db URL",
                 "vet: no PostgreSQL server binaries found (set PG_BIN)");
        return -1;
    }
    if (geteuid() == 0) {
        /* PostgreSQL refuses to run as root: use the system user "pqgen", created once. */
        struct passwd *pw = getpwnam("pqgen");
        if (!pw) {
            vet_server tmp = {.drop = false};
            snprintf(tmp.dir, sizeof tmp.dir, "/");
            char *argv[] = {"/usr/sbin/useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", "pqgen", NULL};
            spawn(&tmp, argv, "/dev/null", false);
            pw = getpwnam("pqgen");
        }
        if (!pw) {
            diag_add(d, DIAG_ERROR, NULL, 0, "run as a non-root user or pass --db URL",
                     "vet: running as root and cannot create the system user \"pqgen\"");
            return -1;
        }
        s->uid = pw->pw_uid;
        s->gid = pw->pw_gid;
        s->drop = true;
    }
    /* Signals are held from creating the directory until the handler knows it, so a Ctrl-C
     * at any moment leaves nothing behind. */
    sigset_t prev;
    hold_signals(&prev);
    const char *tmpdir = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/pqgen-vet.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(s->dir)) {
        sigprocmask(SIG_SETMASK, &prev, NULL);
        diag_add(d, DIAG_ERROR, NULL, 0, NULL, "vet: cannot create a temp dir: %s",
                 strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    snprintf(tmp_server_dir, sizeof tmp_server_dir, "%s", s->dir);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    sigprocmask(SIG_SETMASK, &prev, NULL);
    if (chmod(s->dir, 0755) != 0 || (s->drop && chown(s->dir, s->uid, s->gid) != 0)) {
        diag_add(d, DIAG_ERROR, NULL, 0, NULL, "vet: cannot prepare %s: %s", s->dir,
                 strerror(errno));
        vet_server_stop(s);
        return -1;
    }

    char initdb[300], postgres[300], data[600], log[600], sockopt[600];
    snprintf(initdb, sizeof initdb, "%s/initdb", s->bin);
    snprintf(postgres, sizeof postgres, "%s/postgres", s->bin);
    snprintf(data, sizeof data, "%s/data", s->dir);
    snprintf(log, sizeof log, "%s/initdb.log", s->dir);
    char *iargv[] = {initdb, "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                     "--locale=C.UTF-8", "--no-sync", NULL};
    if (spawn(s, iargv, log, false) != 0) {
        char *t = log_tail(log);
        diag_add(d, DIAG_ERROR, NULL, 0, t, "vet: initdb failed");
        free(t);
        vet_server_stop(s);
        return -1;
    }
    snprintf(log, sizeof log, "%s/server.log", s->dir);
    snprintf(sockopt, sizeof sockopt, "unix_socket_directories=%s", s->dir);
    char *pargv[] = {postgres, "-D", data, "-c", "listen_addresses=", "-c", sockopt,
                     "-c", "port=5432", "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=20",
                     "-c", "log_min_messages=warning", NULL};
    s->pid = spawn(s, pargv, log, true); /* also recorded for the signal handler */
    if (s->pid < 0) {
        diag_add(d, DIAG_ERROR, NULL, 0, NULL, "vet: cannot start postgres: %s", strerror(errno));
        vet_server_stop(s);
        return -1;
    }
    char conninfo[700];
    snprintf(conninfo, sizeof conninfo, "host=%s port=5432 user=postgres dbname=postgres",
             s->dir);
    for (int i = 0; i < 3000; i++) { /* up to 60 s */
        if (PQping(conninfo) == PQPING_OK)
            return 0;
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = -1;
            tmp_server_pid = -1;
            break;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    char *t = log_tail(log);
    diag_add(d, DIAG_ERROR, NULL, 0, t, "vet: the throwaway PostgreSQL did not start");
    free(t);
    vet_server_stop(s);
    return -1;
}
