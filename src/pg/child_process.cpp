#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_process.hpp"

#include "guard.hpp"

extern char **environ;

namespace ivory::pg {

namespace {

// How long to wait on the latch before looking at standard error again.
constexpr long poll_interval_ms = 100;

class FileDescriptor {
  public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() { reset(); }
    FileDescriptor(const FileDescriptor &) = delete;
    FileDescriptor &operator=(const FileDescriptor &) = delete;
    int get() const { return fd_; }
    bool open() const { return fd_ >= 0; }
    void reset(int fd = -1) {
        if (fd_ >= 0)
            close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

struct Pipe {
    FileDescriptor read_end;
    FileDescriptor write_end;
};

void make_pipe(Pipe &pipe) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        throw Error(sqlstate::internal, std::string("could not create a pipe: ") + strerror(errno));
    pipe.read_end.reset(fds[0]);
    pipe.write_end.reset(fds[1]);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
}

// A started child, killed and reaped if it is still there when this goes.
class Child {
  public:
    explicit Child(pid_t pid) : pid_(pid) {}
    ~Child() {
        if (pid_ <= 0)
            return;
        kill(pid_, SIGKILL);
        int status;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;

    // The exit code once the child has ended, without blocking; nullopt while it runs.
    std::optional<int> poll_exit() {
        int status;
        const pid_t done = waitpid(pid_, &status, WNOHANG);
        if (done == 0 || (done < 0 && errno == EINTR))
            return std::nullopt;
        pid_ = 0;
        if (done < 0)
            return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

  private:
    pid_t pid_;
};

// Reads what is there into `consume`; false at end of file.
bool drain(FileDescriptor &fd, const OutputConsumer &consume) {
    char buffer[65536];
    for (;;) {
        const ssize_t got = read(fd.get(), buffer, sizeof buffer);
        if (got > 0) {
            consume(buffer, static_cast<size_t>(got));
            continue;
        }
        if (got == 0) {
            fd.reset();
            return false;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true;
        fd.reset();
        return false;
    }
}

// Waits until `fd` is readable, the timeout passes or the latch is set;
// processes interrupts.
void wait_readable_or_timeout(int fd) {
    const int flags =
        WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH | (fd >= 0 ? WL_SOCKET_READABLE : 0);
    const int events = guarded([flags, fd] {
        return WaitLatchOrSocket(MyLatch, flags, fd, poll_interval_ms, PG_WAIT_EXTENSION);
    });
    if (events & WL_LATCH_SET) {
        guarded([] { ResetLatch(MyLatch); });
        check_for_interrupts();
    }
}

std::vector<std::string> child_environment(const std::vector<std::string> &overrides,
                                           const std::vector<std::string> &unset_prefixes) {
    std::vector<std::string> result;
    for (char **entry = environ; entry && *entry; ++entry) {
        const std::string variable = *entry;
        const std::string name = variable.substr(0, variable.find('='));
        bool overridden = false;
        for (const std::string &prefix : unset_prefixes)
            overridden |= name.compare(0, prefix.size(), prefix) == 0;
        for (const std::string &override_entry : overrides)
            overridden |= override_entry.compare(0, name.size() + 1, name + "=") == 0;
        if (!overridden)
            result.push_back(variable);
    }
    result.insert(result.end(), overrides.begin(), overrides.end());
    return result;
}

std::vector<char *> pointers(std::vector<std::string> &strings) {
    std::vector<char *> result;
    for (std::string &text : strings)
        result.push_back(text.data());
    result.push_back(nullptr);
    return result;
}

} // namespace

ChildOutput run_child(const std::string &program, const std::vector<std::string> &arguments,
                      const std::vector<std::string> &environment,
                      const std::vector<std::string> &unset_prefixes,
                      const OutputConsumer &on_output) {
    Pipe out;
    Pipe err;
    make_pipe(out);
    make_pipe(err);

    std::vector<std::string> argv_strings{program};
    argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
    std::vector<std::string> env_strings = child_environment(environment, unset_prefixes);
    std::vector<char *> argv = pointers(argv_strings);
    std::vector<char *> envp = pointers(env_strings);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out.write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err.write_end.get(), STDERR_FILENO);
    // The backend's data files, sockets and latch descriptors stay with it.
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    // The backend blocks and catches signals its own way; the child starts clean.
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    pid_t pid = 0;
    const int spawn_error =
        posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawn_error != 0)
        throw Error(sqlstate::internal, "could not run " + program + ": " + strerror(spawn_error));
    Child child(pid);
    out.write_end.reset();
    err.write_end.reset();

    ChildOutput output;
    const OutputConsumer keep_output = [&output](const char *data, size_t size) {
        output.standard_output.append(data, size);
    };
    const OutputConsumer keep_error = [&output](const char *data, size_t size) {
        output.standard_error.append(data, size);
    };
    while (out.read_end.open() || err.read_end.open()) {
        wait_readable_or_timeout(out.read_end.open() ? out.read_end.get() : err.read_end.get());
        if (out.read_end.open())
            drain(out.read_end, on_output ? on_output : keep_output);
        if (err.read_end.open())
            drain(err.read_end, keep_error);
    }
    for (;;) {
        if (const std::optional<int> code = child.poll_exit()) {
            output.exit_code = *code;
            return output;
        }
        wait_readable_or_timeout(-1);
    }
}

} // namespace ivory::pg
