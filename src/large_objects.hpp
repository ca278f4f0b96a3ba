// Large objects, which logical replication does not carry: copied from the
// source (ivory.copy_large_objects, and switchover while the source is
// read-only) and compared (verify_data), each by its owner, its grants, its
// size and a hash of its contents read in chunks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/results.hpp"
#include "pg/spi.hpp"
#include "remote/connection.hpp"

namespace ivory {

// Makes every large object of the source exist here with the same contents,
// owner and grants: missing ones are created, differing ones replaced,
// equal ones left (action "unchanged"). Objects only here are kept. With
// `dry_run` nothing is copied: the actions are "would create", "would replace".
std::vector<LargeObjectAction> copy_large_objects(remote::Connection &source,
                                                  pg::LocalSession &target, bool dry_run = false);

// "N large object(s) copied (B bytes), M unchanged"; of a dry run "N large
// object(s) to copy (B bytes), M unchanged".
std::string large_objects_summary(const std::vector<LargeObjectAction> &actions,
                                  bool dry_run = false);

// verify_data's row for the large objects: counts and which differ; nullopt
// when neither side has any.
std::optional<TableVerdict> compare_large_objects(remote::Connection &source,
                                                  pg::LocalSession &target);

} // namespace ivory
