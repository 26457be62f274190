// The `all` probe: one child probe per listed probe, ready once every child
// has been ready, failed as soon as one fails.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>

#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

// What the children's events touch; it outlives the probe while any of its
// children's handlers may still run.
struct Shared {
  ProbeEvents events;
  std::vector<bool> ready;
  std::size_t ready_count = 0;
  bool reported = false;
  bool stopped = false;
};

class AllProbe final : public Probe {
 public:
  AllProbe(const config::AllProbe& spec, const ProbeTarget& target, ProbeContext& context,
           ProbeEvents events)
      : io_(context.io), shared_(std::make_shared<Shared>()) {
    shared_->events = std::move(events);
    shared_->ready.assign(spec.probes.size(), false);
    for (std::size_t i = 0; i < spec.probes.size(); ++i) {
      kinds_.push_back(config::probe_kind_name(spec.probes[i]));
      children_.push_back(make_probe(spec.probes[i], target, context, child_events(i)));
    }
  }

  ~AllProbe() override { shared_->stopped = true; }

  std::optional<std::string> prepare(SpawnRequest& request) override {
    for (auto& child : children_) {
      if (auto problem = child->prepare(request)) return problem;
    }
    return std::nullopt;
  }

  void start() override {
    for (auto& child : children_) child->start();
    if (children_.empty() && !shared_->reported) {
      shared_->reported = true;
      boost::asio::post(io_, [shared = shared_] {
        if (!shared->stopped) shared->events.ready();
      });
    }
  }

  void line(Stream stream, std::string_view text) override {
    for (auto& child : children_) child->line(stream, text);
  }

  std::string last_result() const override {
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (shared_->ready[i]) continue;
      const std::string seen = children_[i]->last_result();
      return "all: waiting for " + (seen.empty() ? kinds_[i] : seen);
    }
    return {};
  }

 private:
  // Children report from the loop, so these may report straight away.
  ProbeEvents child_events(std::size_t i) const {
    ProbeEvents events;
    events.ready = [shared = shared_, i] {
      if (shared->stopped || shared->reported || shared->ready[i]) return;
      shared->ready[i] = true;
      if (++shared->ready_count < shared->ready.size()) return;
      shared->reported = true;
      shared->events.ready();
    };
    events.failed = [shared = shared_](std::string why) {
      if (shared->stopped || shared->reported) return;
      shared->reported = true;
      shared->events.failed(std::move(why));
    };
    events.status = forward(&ProbeEvents::status);
    events.notice = forward(&ProbeEvents::notice);
    events.watchdog = forward(&ProbeEvents::watchdog);
    events.watchdog_trigger = forward(&ProbeEvents::watchdog_trigger);
    events.extend = forward(&ProbeEvents::extend);
    events.error_number = forward(&ProbeEvents::error_number);
    return events;
  }

  // A child's optional event, passed on as it comes while the probe lives.
  template <typename... Args>
  std::function<void(Args...)> forward(std::function<void(Args...)> ProbeEvents::*event) const {
    if (!(shared_->events.*event)) return nullptr;
    return [shared = shared_, event](Args... args) {
      if (!shared->stopped) (shared->events.*event)(std::move(args)...);
    };
  }

  boost::asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::string> kinds_;
  std::vector<std::unique_ptr<Probe>> children_;
};

}  // namespace

std::unique_ptr<Probe> make_all_probe(const config::AllProbe& spec, const ProbeTarget& target,
                                      ProbeContext& context, ProbeEvents events) {
  return std::make_unique<AllProbe>(spec, target, context, std::move(events));
}

}  // namespace summon::runtime
