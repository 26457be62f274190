#include "control/state_folder.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace summon::control;
namespace fs = std::filesystem;

namespace {

// A temporary folder (0700, as mkdtemp makes it), removed with everything in it.
struct TempDir {
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "summon-state-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return path + "/" + name; }

  std::string path;
};

std::string tmp_root_name() {
  return fmt::format("summon-{}", ::geteuid());
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

void make_folder(const std::string& path, mode_t mode) {
  REQUIRE(::mkdir(path.c_str(), 0700) == 0);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// The user another user is played by, when the test runs as root.
std::optional<uid_t> other_user() {
  if (::geteuid() != 0) return std::nullopt;
  const passwd* nobody = ::getpwnam("nobody");
  if (!nobody) return std::nullopt;
  return nobody->pw_uid;
}

std::string root_or_fail(const std::variant<std::string, Refusal>& result) {
  if (const auto* refusal = std::get_if<Refusal>(&result)) FAIL("refused: " << refusal->message);
  return std::get<std::string>(result);
}

std::string refusal_of(const std::variant<std::string, Refusal>& result) {
  if (const auto* root = std::get_if<std::string>(&result)) FAIL("not refused: " << *root);
  return std::get<Refusal>(result).message;
}

ProjectInfo shop_info() {
  return ProjectInfo{"shop", "/srv/shop/services.yaml", 4242, false, "2026-12-02T02:30:00.123Z"};
}

StateFolder create_or_fail(const std::string& root, const std::string& name,
                           const ProjectInfo& info) {
  auto made = StateFolder::create(root, name, info);
  if (const auto* error = std::get_if<std::string>(&made)) FAIL("not made: " << *error);
  return std::move(std::get<StateFolder>(made));
}

std::string create_error(const std::string& root, const std::string& name) {
  auto made = StateFolder::create(root, name, shop_info());
  if (std::holds_alternative<StateFolder>(made))
    FAIL("made " << std::get<StateFolder>(made).path());
  return std::get<std::string>(made);
}

// A Unix socket bound at `path`, as the supervisor leaves one.
void bind_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  CHECK(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  ::close(fd);
}

// A dead supervisor's folder: its info.json and socket, and no lock.
std::string stale_folder(const std::string& root, const std::string& name) {
  { auto folder = create_or_fail(root, name, shop_info()); }
  const std::string path = root + "/" + name;
  bind_socket(path + "/control.sock");
  return path;
}

}  // namespace

TEST_CASE("without XDG_RUNTIME_DIR the root is TMP/summon-UID, made 0700") {
  TempDir tmp;
  ::umask(022);
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  CHECK(root == tmp / tmp_root_name());
  CHECK(mode_of(root) == 0700);
  struct stat st {};
  REQUIRE(::stat(root.c_str(), &st) == 0);
  CHECK(st.st_uid == ::geteuid());
  // Found again as it was left.
  CHECK(root_or_fail(user_state_root_in("", tmp.path)) == root);
}

TEST_CASE("a umask that takes the owner's write bit does not change the root's mode") {
  TempDir tmp;
  const mode_t before = ::umask(0277);
  const auto result = user_state_root_in("", tmp.path);
  ::umask(before);
  CHECK(mode_of(root_or_fail(result)) == 0700);
}

TEST_CASE("a usable XDG_RUNTIME_DIR holds the root as summon/") {
  TempDir tmp;
  make_folder(tmp / "xdg", 0700);
  CHECK(root_or_fail(user_state_root_in(tmp / "xdg", tmp.path)) == tmp / "xdg/summon");
  CHECK(mode_of(tmp / "xdg/summon") == 0700);
  CHECK_FALSE(fs::exists(tmp / tmp_root_name()));
  // A trailing slash names the same folder.
  CHECK(root_or_fail(user_state_root_in(tmp / "xdg/", tmp.path)) == tmp / "xdg/summon");
}

TEST_CASE("an XDG_RUNTIME_DIR that is relative, missing, a link or open to others is passed over") {
  TempDir tmp;
  make_folder(tmp / "open", 0770);
  make_folder(tmp / "real", 0700);
  REQUIRE(::symlink((tmp / "real").c_str(), (tmp / "link").c_str()) == 0);
  for (const std::string& xdg :
       {std::string("relative/run"), tmp / "missing", tmp / "open", tmp / "link"}) {
    CAPTURE(xdg);
    CHECK(root_or_fail(user_state_root_in(xdg, tmp.path)) == tmp / tmp_root_name());
  }
  CHECK_FALSE(fs::exists(tmp / "real/summon"));
  CHECK_FALSE(fs::exists(tmp / "open/summon"));
}

TEST_CASE("a symbolic link in place of summon-UID is refused, never followed") {
  TempDir tmp;
  make_folder(tmp / "elsewhere", 0700);
  REQUIRE(::symlink((tmp / "elsewhere").c_str(), (tmp / tmp_root_name()).c_str()) == 0);
  const std::string message = refusal_of(user_state_root_in("", tmp.path));
  CHECK(message == fmt::format("summon's state folder {} is a symbolic link; it is not used",
                               tmp / tmp_root_name()));
  // A dangling one too.
  TempDir other;
  REQUIRE(::symlink((other / "nowhere").c_str(), (other / tmp_root_name()).c_str()) == 0);
  CHECK(refusal_of(user_state_root_in("", other.path)).find("is a symbolic link") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(other / "nowhere"));
}

TEST_CASE("a file in place of summon-UID is refused") {
  TempDir tmp;
  write_text(tmp / tmp_root_name(), "");
  CHECK(refusal_of(user_state_root_in("", tmp.path)) ==
        fmt::format("summon's state folder {} is not a folder; it is not used",
                    tmp / tmp_root_name()));
}

TEST_CASE("a summon-UID folder with a mode other than 0700 is refused and left as it is") {
  for (const mode_t mode : {0755, 0750, 0701, 0500, 01700}) {
    TempDir tmp;
    make_folder(tmp / tmp_root_name(), mode);
    CAPTURE(mode);
    CHECK(refusal_of(user_state_root_in("", tmp.path)) ==
          fmt::format("summon's state folder {} has mode {:04o}, not 0700; it is not used",
                      tmp / tmp_root_name(), mode));
    CHECK(mode_of(tmp / tmp_root_name()) == mode);
  }
}

TEST_CASE("XDG_RUNTIME_DIR/summon with a wrong mode is refused, not passed over") {
  TempDir tmp;
  make_folder(tmp / "xdg", 0700);
  make_folder(tmp / "xdg/summon", 0777);
  CHECK(refusal_of(user_state_root_in(tmp / "xdg", tmp.path)).find("has mode 0777") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(tmp / tmp_root_name()));
}

TEST_CASE("a summon-UID folder another user made first is refused") {
  const auto other = other_user();
  if (!other) {
    MESSAGE("skipped: playing another user needs root and a user 'nobody'");
    return;
  }
  TempDir tmp;
  ::chmod(tmp.path.c_str(), 01777);  // as /tmp is
  make_folder(tmp / tmp_root_name(), 0700);
  REQUIRE(::chown((tmp / tmp_root_name()).c_str(), *other, static_cast<gid_t>(-1)) == 0);
  const std::string message = refusal_of(user_state_root_in("", tmp.path));
  CHECK(message.starts_with(
      fmt::format("summon's state folder {} is owned by nobody (uid {}), not by ",
                  tmp / tmp_root_name(), *other)));
  CHECK(message.ends_with("; it is not used"));

  // And under XDG_RUNTIME_DIR the same.
  make_folder(tmp / "xdg", 0700);
  make_folder(tmp / "xdg/summon", 0700);
  REQUIRE(::chown((tmp / "xdg/summon").c_str(), *other, static_cast<gid_t>(-1)) == 0);
  CHECK(refusal_of(user_state_root_in(tmp / "xdg", tmp.path)).find("is owned by nobody") !=
        std::string::npos);
}

TEST_CASE("an XDG_RUNTIME_DIR owned by another user is passed over") {
  const auto other = other_user();
  if (!other) {
    MESSAGE("skipped: playing another user needs root and a user 'nobody'");
    return;
  }
  TempDir tmp;
  make_folder(tmp / "xdg", 0700);
  REQUIRE(::chown((tmp / "xdg").c_str(), *other, static_cast<gid_t>(-1)) == 0);
  CHECK(root_or_fail(user_state_root_in(tmp / "xdg", tmp.path)) == tmp / tmp_root_name());
  CHECK_FALSE(fs::exists(tmp / "xdg/summon"));
}

TEST_CASE("user_state_root reads XDG_RUNTIME_DIR") {
  TempDir tmp;
  make_folder(tmp / "xdg", 0700);
  const char* before = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved = before ? before : "";
  ::setenv("XDG_RUNTIME_DIR", (tmp / "xdg").c_str(), 1);
  const auto result = user_state_root();
  if (before) {
    ::setenv("XDG_RUNTIME_DIR", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_RUNTIME_DIR");
  }
  CHECK(root_or_fail(result) == tmp / "xdg/summon");
}

TEST_CASE("a project's folder is its name and 16 hex digits of its file's path") {
  // FNV-1a of "a" is af63dc4c8601ec8c.
  CHECK(project_folder_name("shop", "a", std::nullopt) == "shop-af63dc4c8601ec8c");
  CHECK(project_folder_name("shop", "a", 4242) == "shop-af63dc4c8601ec8c.run.4242");
  const std::string one = project_folder_name("shop", "/srv/shop/services.yaml", std::nullopt);
  CHECK(one.size() == std::string("shop-").size() + 16);
  CHECK(one == project_folder_name("shop", "/srv/shop/services.yaml", std::nullopt));
  CHECK(one != project_folder_name("shop", "/srv/other/services.yaml", std::nullopt));
}

TEST_CASE("a name that is not plain is made plain and short in the folder's name") {
  CHECK(project_folder_name("../my shop/é", "a", std::nullopt) == ".._my_shop___-af63dc4c8601ec8c");
  CHECK(project_folder_name(std::string(100, 'x'), "a", std::nullopt) ==
        std::string(32, 'x') + "-af63dc4c8601ec8c");
}

TEST_CASE("create makes a 0700 folder holding a 0600 info.json, and remove takes it away") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  const std::string name = project_folder_name("shop", "/srv/shop/services.yaml", std::nullopt);
  ::umask(022);
  auto folder = create_or_fail(root, name, shop_info());
  CHECK(folder.path() == root + "/" + name);
  CHECK(folder.socket_path() == root + "/" + name + "/control.sock");
  CHECK(mode_of(folder.path()) == 0700);
  CHECK(mode_of(folder.path() + "/info.json") == 0600);
  CHECK(read_text(folder.path() + "/info.json") ==
        R"({
  "file": "/srv/shop/services.yaml",
  "name": "shop",
  "pid": 4242,
  "run": false,
  "started_at": "2026-12-02T02:30:00.123Z"
}
)");
  // Nothing else is left beside it: not the temporary folder it was made as.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root)) names.push_back(entry.path().filename());
  CHECK(names == std::vector<std::string>{name});

  bind_socket(folder.socket_path());
  folder.remove();
  CHECK_FALSE(fs::exists(folder.path()));
  folder.remove();  // a second time does nothing
}

TEST_CASE("info.json reads back as it was written") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  const ProjectInfo info{"shop \"quoted\" ü", "/srv/a b/services.yaml", 77, true,
                         "2026-12-02T02:30:00.000Z"};
  auto folder = create_or_fail(root, "shop-1.run.77", info);
  const auto projects = list_projects(root);
  REQUIRE(projects.size() == 1);
  CHECK(projects[0].folder == folder.path());
  CHECK(projects[0].info == info);
}

TEST_CASE("create fails when the folder is there already, and leaves it") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  auto first = create_or_fail(root, "shop-1", shop_info());
  CHECK(create_error(root, "shop-1") == root + "/shop-1 already exists");
  CHECK(fs::exists(root + "/shop-1/info.json"));
  // A file of that name too.
  write_text(root + "/shop-2", "");
  CHECK(create_error(root, "shop-2") == root + "/shop-2 already exists");
}

TEST_CASE("create refuses a root that is a link, open to others or missing, and odd names") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  REQUIRE(::symlink(root.c_str(), (tmp / "link").c_str()) == 0);
  CHECK(create_error(tmp / "link", "shop-1") ==
        fmt::format("summon's state folder {} is a symbolic link; it is not used", tmp / "link"));
  make_folder(tmp / "open", 0755);
  CHECK(create_error(tmp / "open", "shop-1") ==
        fmt::format("summon's state folder {} has mode 0755, not 0700; it is not used",
                    tmp / "open"));
  CHECK(create_error(tmp / "missing", "shop-1").starts_with("cannot open summon's state folder"));
  for (const char* name : {"", ".", "..", ".hidden", "a/b", "../shop"}) {
    CAPTURE(name);
    CHECK(create_error(root, name).find("not a plain name") != std::string::npos);
  }
  CHECK(fs::is_empty(root));
}

TEST_CASE("list_projects lists the folders whose info.json reads, by name") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  auto b = create_or_fail(root, "b-2", shop_info());
  auto a = create_or_fail(root, "a-1", ProjectInfo{"a", "/a.yaml", 1, false, "t"});
  make_folder(root + "/no-info", 0700);
  make_folder(root + "/bad-info", 0700);
  write_text(root + "/bad-info/info.json",
             R"({"name":"x","file":"/x","pid":"1","run":false,"started_at":"t"})");
  make_folder(root + "/not-json", 0700);
  write_text(root + "/not-json/info.json", "{");
  make_folder(root + "/zero-pid", 0700);
  write_text(root + "/zero-pid/info.json",
             R"({"name":"x","file":"/x","pid":0,"run":false,"started_at":"t"})");
  make_folder(root + "/info-is-a-folder", 0700);
  make_folder(root + "/info-is-a-folder/info.json", 0700);
  make_folder(root + "/info-is-a-link", 0700);
  REQUIRE(::symlink((root + "/a-1/info.json").c_str(),
                    (root + "/info-is-a-link/info.json").c_str()) == 0);
  REQUIRE(::symlink((root + "/a-1").c_str(), (root + "/link-to-a").c_str()) == 0);
  make_folder(root + "/.b-2.new.1.0", 0700);
  write_text(root + "/.b-2.new.1.0/info.json", read_text(root + "/b-2/info.json"));
  write_text(root + "/a-file", "");

  const auto projects = list_projects(root);
  REQUIRE(projects.size() == 2);
  CHECK(projects[0].folder == root + "/a-1");
  CHECK(projects[0].info.name == "a");
  CHECK(projects[1].folder == root + "/b-2");
  CHECK(projects[1].info == shop_info());
  CHECK(list_projects(tmp / "missing").empty());
}

TEST_CASE("list_projects passes over what another user owns") {
  const auto other = other_user();
  if (!other) {
    MESSAGE("skipped: playing another user needs root and a user 'nobody'");
    return;
  }
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  auto mine = create_or_fail(root, "mine-1", shop_info());
  auto theirs = create_or_fail(root, "theirs-1", shop_info());
  REQUIRE(::chown((root + "/theirs-1").c_str(), *other, static_cast<gid_t>(-1)) == 0);
  auto their_info = create_or_fail(root, "their-info-1", shop_info());
  REQUIRE(::chown((root + "/their-info-1/info.json").c_str(), *other, static_cast<gid_t>(-1)) == 0);
  const auto projects = list_projects(root);
  REQUIRE(projects.size() == 1);
  CHECK(projects[0].folder == root + "/mine-1");
}

TEST_CASE("remove takes only summon's files: another file keeps the folder") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  auto folder = create_or_fail(root, "shop-1", shop_info());
  bind_socket(folder.socket_path());
  write_text(folder.path() + "/info.json.tmp", "");
  write_text(folder.path() + "/notes.txt", "mine");
  folder.remove();
  CHECK(fs::exists(root + "/shop-1/notes.txt"));
  CHECK_FALSE(fs::exists(root + "/shop-1/info.json"));
  CHECK_FALSE(fs::exists(root + "/shop-1/info.json.tmp"));
  CHECK_FALSE(fs::exists(root + "/shop-1/control.sock"));
}

TEST_CASE("the destructor leaves the folder; a moved folder is removed by its new holder") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  { auto folder = create_or_fail(root, "shop-1", shop_info()); }
  CHECK(fs::exists(root + "/shop-1/info.json"));

  auto first = create_or_fail(root, "shop-2", shop_info());
  StateFolder second = std::move(first);
  first.remove();  // holds nothing now
  CHECK(fs::exists(root + "/shop-2"));
  second.remove();
  CHECK_FALSE(fs::exists(root + "/shop-2"));
}

TEST_CASE("remove_stale removes a dead supervisor's folder and socket") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  const std::string folder = stale_folder(root, "shop-1");
  REQUIRE(fs::exists(folder + "/control.sock"));
  remove_stale(folder);
  CHECK_FALSE(fs::exists(folder));
  // Then the name is free again.
  auto again = create_or_fail(root, "shop-1", shop_info());
  CHECK(fs::exists(folder + "/info.json"));
}

TEST_CASE("remove_stale leaves a folder whose supervisor still holds it") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  auto live = create_or_fail(root, "shop-1", shop_info());
  bind_socket(live.socket_path());
  remove_stale(live.path());
  CHECK(fs::exists(live.socket_path()));
  CHECK(fs::exists(live.path() + "/info.json"));
  live.remove();
}

TEST_CASE("remove_stale removes only the files summon makes") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  stale_folder(root, "shop-1");
  write_text(root + "/shop-1/keep.txt", "not summon's");
  make_folder(root + "/shop-1/sub", 0700);
  remove_stale(root + "/shop-1/");
  CHECK(fs::exists(root + "/shop-1/keep.txt"));
  CHECK(fs::exists(root + "/shop-1/sub"));
  CHECK_FALSE(fs::exists(root + "/shop-1/info.json"));
  CHECK_FALSE(fs::exists(root + "/shop-1/control.sock"));
}

TEST_CASE("remove_stale does not follow a link, nor touch a file") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  TempDir target;
  write_text(target / "info.json", "keep");
  write_text(target / "control.sock", "keep");
  REQUIRE(::symlink(target.path.c_str(), (root + "/shop-1").c_str()) == 0);
  remove_stale(root + "/shop-1");
  CHECK(fs::is_symlink(root + "/shop-1"));
  CHECK(read_text(target / "info.json") == "keep");
  CHECK(read_text(target / "control.sock") == "keep");
  write_text(root + "/info.json", "keep");
  remove_stale(root + "/info.json");
  CHECK(fs::exists(root + "/info.json"));
}

TEST_CASE("remove_stale leaves a folder another user owns") {
  const auto other = other_user();
  if (!other) {
    MESSAGE("skipped: playing another user needs root and a user 'nobody'");
    return;
  }
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  const std::string folder = stale_folder(root, "shop-1");
  REQUIRE(::chown(folder.c_str(), *other, static_cast<gid_t>(-1)) == 0);
  remove_stale(folder);
  CHECK(fs::exists(folder + "/info.json"));
  CHECK(fs::exists(folder + "/control.sock"));
}

TEST_CASE("remove_stale after the supervisor is gone: its lock went with it") {
  TempDir tmp;
  const std::string root = root_or_fail(user_state_root_in("", tmp.path));
  // A supervisor in another process, which exits without removing its folder.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto made = StateFolder::create(root, "shop-1", shop_info());
    ::_exit(std::holds_alternative<StateFolder>(made) ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(fs::exists(root + "/shop-1/info.json"));
  remove_stale(root + "/shop-1");
  CHECK_FALSE(fs::exists(root + "/shop-1"));
}
