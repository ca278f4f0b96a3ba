#include "report_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

extern char **environ;

namespace ivory::cli {

namespace {

std::string format_utc(std::chrono::system_clock::time_point when, const char *format) {
    const std::time_t time =
        std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(when));
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[64];
    std::strftime(text, sizeof text, format, &utc);
    return text;
}

constexpr const char *report_suffix = ".html";

} // namespace

std::string schema_diff_path_template(const std::string &directory,
                                      std::chrono::system_clock::time_point when) {
    std::string base = directory.empty() ? "/tmp" : directory;
    while (base.size() > 1 && base.back() == '/')
        base.pop_back();
    if (base != "/")
        base += '/';
    return base + "ivory-schema-diff-" + format_utc(when, "%Y%m%d-%H%M%S") + "-XXXXXX" +
           report_suffix;
}

std::string utc_timestamp(std::chrono::system_clock::time_point when) {
    return format_utc(when, "%Y-%m-%d %H:%M:%S UTC");
}

namespace {

// Writes `content` to `fd` and closes it; false with the failure logged.
bool write_and_close(int fd, const std::string &path, const std::string &content,
                     const Logger &log) {
    size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log.error("could not write " + path + ": " + std::strerror(errno));
            close(fd);
            return false;
        }
        written += static_cast<size_t>(n);
    }
    if (close(fd) != 0) {
        log.error("could not write " + path + ": " + std::strerror(errno));
        return false;
    }
    return true;
}

} // namespace

std::optional<std::string> write_new_file(std::string path_template, const std::string &content,
                                          const Logger &log) {
    const int suffix_length = static_cast<int>(std::strlen(report_suffix));
    const int fd = mkstemps(path_template.data(), suffix_length);
    if (fd < 0) {
        log.error("could not create " + path_template + ": " + std::strerror(errno));
        return std::nullopt;
    }
    if (!write_and_close(fd, path_template, content, log)) {
        unlink(path_template.c_str());
        return std::nullopt;
    }
    return path_template;
}

bool write_file(const std::string &path, const std::string &content, const Logger &log) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log.error("could not create " + path + ": " + std::strerror(errno));
        return false;
    }
    return write_and_close(fd, path, content, log);
}

void open_in_browser(const std::string &path, const Logger &log) {
    // The browser must neither read our terminal nor write into our output,
    // nor die with our session: /dev/null for its standard streams, and a
    // session of its own. We do not wait for it.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);

    std::string program = "xdg-open";
    std::string argument = path;
    char *const argv[] = {program.data(), argument.data(), nullptr};
    pid_t pid = 0;
    const int failed = posix_spawnp(&pid, program.c_str(), &actions, &attributes, argv, environ);
    if (failed)
        log.debug("not opening a browser: xdg-open: " + std::string(std::strerror(failed)));
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
}

} // namespace ivory::cli
