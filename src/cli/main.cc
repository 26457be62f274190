#include "cli/app.hpp"

int main(int argc, char** argv) { return summon::cli::run(argc, argv); }
