#include <cstdlib>
#include <string>

#include "server_info.hpp"

#include "guard.hpp"

namespace ivory::pg {

std::string server_bin_directory() {
    const std::string executable = my_exec_path;
    const size_t slash = executable.rfind('/');
    return slash == std::string::npos ? std::string(".") : executable.substr(0, slash);
}

std::string database_encoding_name() {
    return guarded([] { return GetDatabaseEncodingName(); });
}

int server_major_version() {
    return PG_VERSION_NUM / 10000;
}

int running_server_version_num() {
    const char *text = guarded([] { return GetConfigOption("server_version_num", false, false); });
    return text ? std::atoi(text) : PG_VERSION_NUM;
}

} // namespace ivory::pg
