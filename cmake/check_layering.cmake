# The gateway's include rules (docs/architecture.md, "Modules"), checked on every build: an include that points the
# wrong way fails the build with the file and the line. Run as `cmake -DROOT=<source dir> -P check_layering.cmake`.
#   gateway/realtime/   the core: no transport, no dialect, no Beast, no wire format (protocol/events, json_writer)
#   gateway/dialect/    no transport, no Beast, no sockets
#   gateway/config.*, log.*, jwt.*: no serving module
#   metrics/            nothing of the project, no Boost (every module counts into it)
set(rules
  "gateway/realtime/@@\"gateway/(transport|dialect)/|<boost/beast|\"protocol/(events|json_writer)\\.hpp\""
  "gateway/dialect/@@\"gateway/transport/|<boost/beast|<boost/asio/ip/"
  "gateway/config.@@\"gateway/(realtime|transport|dialect)/"
  "gateway/log.@@\"gateway/(realtime|transport|dialect)/"
  "gateway/jwt.@@\"gateway/(realtime|transport|dialect)/"
  "metrics/@@<boost/|\"(gateway|storage|ai|protocol|logging)/")
set(failed "")
foreach(rule ${rules})
  # A rule is "<path prefix>@@<forbidden include regex>".
  string(FIND "${rule}" "@@" sep)
  string(SUBSTRING "${rule}" 0 ${sep} prefix)
  math(EXPR start "${sep} + 2")
  string(SUBSTRING "${rule}" ${start} -1 forbidden)
  file(GLOB_RECURSE files "${ROOT}/${prefix}*")
  foreach(f ${files})
    if(NOT f MATCHES "\\.(cpp|hpp)$")
      continue()
    endif()
    file(STRINGS "${f}" includes REGEX "^[ \t]*#[ \t]*include")
    foreach(line ${includes})
      if(line MATCHES "${forbidden}")
        file(RELATIVE_PATH rel "${ROOT}" "${f}")
        string(APPEND failed "  ${rel}: ${line}\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(failed)
  message(FATAL_ERROR "wrong-way includes (see docs/architecture.md, \"Modules\"):\n${failed}")
endif()
