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

} // namespace ivory::pg
