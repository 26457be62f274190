// libsummon: bring up real services for a test, wait until they are really
// ready (a port, an HTTP answer, a log line, never a sleep), and leave no
// process behind. The engine is the one behind the `summon` command.
//
// From a services file:
//
//     #include <summon/summon.hpp>
//
//     summon::Session stack(summon::Project::load("services.yaml"));
//     auto url = "http://127.0.0.1:" + std::to_string(stack.port("api")) + "/";
//     ...  // test against it; the services stop when `stack` goes
//
// Declared in code:
//
//     summon::Project project;
//     project.port("web").add(
//         summon::service("web", {"python3", "-m", "http.server", "--bind",
//                                 "127.0.0.1", "${ports.web}"})
//             .ready(summon::http("http://127.0.0.1:${ports.web}/")));
//     summon::Session session(project);
//
// The pieces, each documented in its header:
// - summon/project.hpp  Project: a file's services, or ones declared in code
// - summon/service.hpp  service(): a command, its probe, its dependencies
// - summon/probe.hpp    tcp(), http(), log(), exec(), notify(), ...
// - summon/session.hpp  Session: up in the constructor, down in the destructor
// - summon/errors.hpp   ConfigError, StartError, StopError
//
// Link with `pkg-config --cflags --libs summon`, or in Meson:
// `dependency('summon')`. The library depends on no test framework; a
// Session can live in a test case, a fixture, or a global shared by a whole
// suite.
#pragma once

#include "summon/errors.hpp"
#include "summon/probe.hpp"
#include "summon/project.hpp"
#include "summon/service.hpp"
#include "summon/session.hpp"
