// The dashboard's model and view, without a terminal: keys in, what the
// screen would show out (a grid in memory, read back as text).
#include <doctest/doctest.h>

#include <clocale>
#include <string>
#include <vector>

#include "ui/keys.hpp"
#include "ui/model.hpp"
#include "ui/view.hpp"

namespace ui = summon::ui;
using ui::Action;
using ui::Clock;

namespace {

struct Grid : ui::Canvas {
  Grid(int rows, int columns)
      : cells(static_cast<std::size_t>(rows), std::string(static_cast<std::size_t>(columns), ' ')),
        styles(cells.size(),
               std::vector<ui::Style>(static_cast<std::size_t>(columns), ui::Style::normal)) {}
  int rows() const override { return static_cast<int>(cells.size()); }
  int columns() const override { return static_cast<int>(cells[0].size()); }
  void clear() override {
    for (auto& row : cells) row.assign(row.size(), ' ');
  }
  void put(int row, int column, std::string_view text, ui::Style style) override {
    REQUIRE(row >= 0);
    REQUIRE(row < rows());
    for (char c : text) {  // the tests' text is ASCII
      if (column >= columns()) break;
      cells[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)] = c;
      styles[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)] = style;
      ++column;
    }
  }
  std::string text() const {
    std::string out;
    for (const auto& row : cells) out += row + "\n";
    return out;
  }
  // The row holding `wanted`, or -1.
  int row_of(std::string_view wanted) const {
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (cells[i].find(wanted) != std::string::npos) return static_cast<int>(i);
    return -1;
  }
  std::vector<std::string> cells;
  std::vector<std::vector<ui::Style>> styles;
};

ui::ServiceRow row(std::string name, std::string state, std::optional<long long> pid = {}) {
  ui::ServiceRow out;
  out.name = std::move(name);
  out.state = std::move(state);
  out.pid = pid;
  return out;
}

std::vector<ui::OutputEntry> numbered(std::string service, std::uint64_t from, std::uint64_t to) {
  std::vector<ui::OutputEntry> out;
  for (auto n = from; n <= to; ++n)
    out.push_back({n, service, false, "", service + " line " + std::to_string(n)});
  return out;
}

ui::Model two_services() {
  ui::Model model("shop");
  model.set_services({row("db", "ready", 11), row("api", "starting", 12)}, Clock::now());
  return model;
}

}  // namespace

TEST_CASE("rows come from a ps reply, whatever it lacks") {
  auto reply = nlohmann::json::parse(R"({"ok":true,"services":[
    {"name":"db","state":"ready","pid":7,"uptime_ms":1500,"restarts":2,"ready_ms":210,
     "cpu_ms":12.5,"memory_bytes":4096,"reason":null},
    {"name":"api","state":"failed","pid":null,"reason":"exited with code 1"},
    "junk"]})");
  auto rows = ui::rows_of(reply);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].pid == 7);
  CHECK(rows[0].restarts == 2);
  CHECK(rows[0].cpu_ms == 12.5);
  CHECK(rows[0].memory_bytes == 4096);
  CHECK(rows[1].reason == "exited with code 1");
  CHECK_FALSE(rows[1].pid);
  CHECK(ui::rows_of(nlohmann::json::parse("[1]")).empty());
}

TEST_CASE("CPU % is taken over at least most of a second") {
  ui::Model model("p");
  const auto t0 = Clock::now();
  auto with_cpu = [](double ms) {
    auto r = row("db", "ready", 1);
    r.cpu_ms = ms;
    return std::vector{r};
  };
  model.set_services(with_cpu(100), t0);
  CHECK_FALSE(model.cpu_percent(0));
  model.set_services(with_cpu(150), t0 + std::chrono::milliseconds(100));  // too soon
  CHECK_FALSE(model.cpu_percent(0));
  model.set_services(with_cpu(600), t0 + std::chrono::seconds(1));
  REQUIRE(model.cpu_percent(0));
  CHECK(*model.cpu_percent(0) == doctest::Approx(50.0));
  model.set_services(with_cpu(5), t0 + std::chrono::seconds(3));  // a new process
  CHECK_FALSE(model.cpu_percent(0));
}

TEST_CASE("lines are kept once and in order, however they come") {
  auto model = two_services();
  model.add_lines(numbered("db", 5, 8));
  model.add_lines(numbered("db", 1, 6));  // history, overlapping
  model.add_lines(numbered("db", 9, 9));
  CHECK(model.kept() == 9);
  auto shown = model.visible(100, 80);
  REQUIRE(shown.size() == 9);
  for (std::size_t i = 0; i < shown.size(); ++i) CHECK(shown[i]->number == i + 1);
}

TEST_CASE("keys move the selection and pick whose output is shown") {
  auto model = two_services();
  model.add_lines(numbered("db", 1, 3));
  model.add_lines(numbered("api", 4, 5));
  CHECK(model.selected() == 0);
  model.press('j');
  CHECK(model.selected() == 1);
  model.press(ui::key::down);  // the last row stays selected
  CHECK(model.selected() == 1);
  model.press(ui::key::enter);
  CHECK(model.shown() == "api");
  CHECK(model.visible(100, 80).size() == 2);
  model.press('k');  // moving while one service is shown shows the next
  CHECK(model.shown() == "db");
  model.press('a');
  CHECK(model.shown().empty());
  CHECK(model.visible(100, 80).size() == 5);
}

TEST_CASE("stop, start and restart ask for the selected service") {
  auto model = two_services();
  CHECK(model.press('r') == Action{Action::restart, "db"});
  CHECK(model.status() == "restarting db...");
  model.press('j');
  CHECK(model.press('x') == Action{Action::stop, "api"});
  CHECK(model.press('s') == Action{Action::start, "api"});
  CHECK(model.press('q') == Action{Action::quit, ""});
  CHECK(model.press('d') == Action{Action::detach, ""});
}

TEST_CASE("scrolling back stops following; End follows again") {
  auto model = two_services();
  model.add_lines(numbered("db", 1, 100));
  model.set_pane(10, 80);
  CHECK(model.following());
  CHECK(model.visible(10, 80).back()->number == 100);
  // The first scroll back asks for the supervisor's whole history.
  CHECK(model.press(ui::key::page_up) == Action{Action::fetch_history, ""});
  CHECK_FALSE(model.following());
  CHECK(model.visible(10, 80).back()->number == 91);
  model.add_lines(numbered("db", 101, 110));  // the view stays put
  CHECK(model.visible(10, 80).back()->number == 91);
  CHECK(model.press(ui::key::page_up) == Action{});  // fetched already
  CHECK(model.visible(10, 80).back()->number == 82);
  model.press('g');
  CHECK(model.visible(10, 80).front()->number == 1);
  model.press('G');
  CHECK(model.following());
  CHECK(model.visible(10, 80).back()->number == 110);
  model.press('f');
  CHECK_FALSE(model.following());
  model.add_lines(numbered("db", 111, 111));
  CHECK(model.visible(10, 80).back()->number == 110);
}

TEST_CASE("lines passed over make the history worth reading again") {
  auto model = two_services();
  model.add_lines(numbered("db", 1, 50));
  model.set_pane(10, 80);
  CHECK(model.press('b') == Action{Action::fetch_history, ""});
  model.press('G');
  model.skipped(1000);
  CHECK(model.skipped_lines() == 1000);
  CHECK(model.press('b') == Action{Action::fetch_history, ""});
}

TEST_CASE("search finds older and newer matches, smart about case") {
  auto model = two_services();
  std::vector<ui::OutputEntry> lines;
  for (std::uint64_t n = 1; n <= 40; ++n)
    lines.push_back({n, "db", false, "", n % 10 == 0 ? "Checkpoint " + std::to_string(n) : "tick"});
  model.add_lines(lines);
  model.set_pane(5, 80);
  model.press('/');
  CHECK(model.typing_search());
  for (char c : std::string("checkpoinx")) model.press(c);
  model.press(ui::key::backspace);
  model.press('t');
  CHECK(model.search() == "checkpoint");
  model.press(ui::key::enter);
  CHECK_FALSE(model.typing_search());
  CHECK(model.current_match() == 40);  // the newest first
  model.press('n');
  CHECK(model.current_match() == 30);
  auto shown = model.visible(5, 80);
  CHECK(std::any_of(shown.begin(), shown.end(), [](auto* e) { return e->number == 30; }));
  model.press('n');
  model.press('N');
  CHECK(model.current_match() == 30);
  // An upper-case letter makes it exact.
  model.press('/');
  for (char c : std::string("CHECKPOINT")) model.press(c);
  model.press(ui::key::enter);
  CHECK_FALSE(model.current_match());
  CHECK(model.status().find("no older line holds 'CHECKPOINT'") != std::string::npos);
  model.press(ui::key::escape);
  CHECK(model.search().empty());
}

TEST_CASE("? shows the help; any key closes it") {
  auto model = two_services();
  model.press('?');
  CHECK(model.helping());
  CHECK(model.press('q') == Action{});
  CHECK_FALSE(model.helping());
}

TEST_CASE("the view fits 80x24: table, output, bars") {
  auto model = two_services();
  model.add_lines(numbered("db", 1, 60));
  Grid grid(24, 80);
  ui::draw(model, grid, Clock::now());
  const std::string screen = grid.text();
  CHECK(grid.row_of("summon  shop  1/2 ready") == 0);
  CHECK(grid.row_of("SERVICE") == 1);
  CHECK(grid.row_of("db ") == 2);
  CHECK(grid.row_of("api") == 3);
  CHECK(grid.styles[3][8] == ui::Style::busy);  // api's state, in its colour
  CHECK(grid.styles[2][0] == ui::Style::selected);
  CHECK(grid.row_of("-- output: all services -- follow") == 4);
  CHECK(grid.row_of("db line 60") == 22);  // the newest at the bottom
  CHECK(grid.row_of("r restart") == 23);
  CHECK(grid.row_of("db line 43") == 5);      // the oldest that fits
  CHECK(grid.row_of("| db line 42 ") == -1);  // scrolled off
}

TEST_CASE("long lines wrap, or are cut when wrap is off") {
  auto model = two_services();
  model.add_lines({{1, "db", false, "", std::string(100, 'x') + "END"}});
  Grid grid(24, 80);
  ui::draw(model, grid, Clock::now());
  CHECK(grid.row_of("END") == 22);
  CHECK(grid.cells[21].substr(0, 8) == "db  | xx");
  model.press('w');
  ui::draw(model, grid, Clock::now());
  CHECK(grid.row_of("END") == -1);
  CHECK(grid.cells[22].substr(0, 8) == "db  | xx");
}

TEST_CASE("search matches are marked in the output") {
  auto model = two_services();
  model.add_lines({{1, "db", false, "", "alpha beta gamma"}, {2, "db", true, "", "beta again"}});
  model.press('/');
  for (char c : std::string("beta")) model.press(c);
  model.press(ui::key::enter);
  Grid grid(24, 80);
  ui::draw(model, grid, Clock::now());
  const int first = grid.row_of("alpha beta");
  const int second = grid.row_of("beta again");
  REQUIRE(first > 0);
  const auto col = grid.cells[static_cast<std::size_t>(first)].find("beta");
  CHECK(grid.styles[static_cast<std::size_t>(first)][col] == ui::Style::match);
  CHECK(grid.styles[static_cast<std::size_t>(second)][6] == ui::Style::current);
}

TEST_CASE("the help lists every key, and a tiny screen draws nothing outside") {
  auto model = two_services();
  model.press('?');
  Grid grid(24, 80);
  ui::draw(model, grid, Clock::now());
  for (const auto& help : ui::key_help) CHECK(grid.row_of(help.what) > 0);
  Grid tiny(2, 5);
  ui::draw(model, tiny, Clock::now());  // the grid REQUIREs every row in range
}

TEST_CASE("many services: the table scrolls to keep the selection in view") {
  ui::Model model("big");
  std::vector<ui::ServiceRow> rows;
  for (int i = 0; i < 50; ++i) rows.push_back(row("svc" + std::to_string(i), "ready", 100 + i));
  model.set_services(rows, Clock::now());
  for (int i = 0; i < 40; ++i) model.press('j');
  Grid grid(24, 80);
  ui::draw(model, grid, Clock::now());
  const int selected = grid.row_of("svc40 ");
  REQUIRE(selected > 1);
  CHECK(grid.styles[static_cast<std::size_t>(selected)][0] == ui::Style::selected);
}

TEST_CASE("colours and control characters are taken out before lines are measured or searched") {
  auto model = two_services();
  model.add_lines({{1, "db", false, "", "\x1b[1;32mINFO\x1b[0m\tready"}});
  auto shown = model.visible(10, 80);
  REQUIRE(shown.size() == 1);
  CHECK(shown[0]->text == "INFO ready");
  model.press('/');
  for (char c : std::string("[32m")) model.press(c);
  model.press(ui::key::enter);
  CHECK_FALSE(model.current_match());
}

TEST_CASE("a paused view whose line is no longer kept shows the oldest that is") {
  auto model = two_services();
  model.set_pane(10, 80);
  model.add_lines(numbered("db", 1, 100));
  model.press('g');  // paused at the oldest
  CHECK(model.visible(10, 80).front()->number == 1);
  model.add_lines(numbered("db", 101, 100 + ui::Model::lines_kept));  // 1 to 100 go
  auto shown = model.visible(10, 80);
  REQUIRE_FALSE(shown.empty());
  CHECK(shown.front()->number == 101);
}

TEST_CASE("the output's name prefix is cut for long names") {
  ui::Model model("p");
  model.set_services({row(std::string(60, 'n'), "ready", 1)}, Clock::now());
  CHECK(model.prefix_columns() == static_cast<int>(ui::Model::longest_prefix) + 3);
}

TEST_CASE("wide characters take two cells; a row breaks before one that does not fit") {
  const char* old = std::setlocale(LC_CTYPE, nullptr);
  const std::string previous = old ? old : "C";
  if (!std::setlocale(LC_CTYPE, "C.UTF-8")) {
    MESSAGE("no C.UTF-8 locale: skipped");
    return;
  }
  CHECK(ui::columns_of("ab") == 2);
  CHECK(ui::columns_of("日本") == 4);
  CHECK(ui::columns_of("e\u0301") == 1);            // a combining accent takes none
  const auto points = ui::code_points("ab日本語");  // 2 + 6 cells
  CHECK(ui::row_starts(points, 4) == std::vector<std::size_t>{0, 3});        // "ab日", "本語"
  CHECK(ui::row_starts(points, 3) == std::vector<std::size_t>{0, 2, 3, 4});  // 日 goes down whole
  auto model = two_services();
  model.press(ui::key::enter);  // db's output alone: no prefix
  model.add_lines({{1, "db", false, "", std::string("日本語") + "日本語"}});  // 12 cells
  CHECK(model.rows_of(*model.visible(10, 80).front(), 5) == 3);  // 2 per row: 4 cells each
  std::setlocale(LC_CTYPE, previous.c_str());
}

TEST_CASE("short forms of durations and sizes") {
  CHECK(ui::short_duration(1234) == "1.2s");
  CHECK(ui::short_duration(125'000) == "2m05s");
  CHECK(ui::short_duration(2 * 3600'000 + 5 * 60'000) == "2h05m");
  CHECK(ui::short_size(512) == "512B");
  CHECK(ui::short_size(12 * 1024 * 1024 + 300 * 1024) == "12.3M");
}
