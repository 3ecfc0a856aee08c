# Writes OUT/man/*.1 and OUT/completion/exportscreen by asking the built
# program (EXE) for them: the man pages come from the same command and option
# tables as --help, so they cannot drift from it.
file(REMOVE_RECURSE ${OUT}/man)
file(MAKE_DIRECTORY ${OUT}/man ${OUT}/completion)
function(run_to file)
  execute_process(COMMAND ${EXE} ${ARGN} OUTPUT_FILE ${file} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} ${ARGN} failed: ${rc}")
  endif()
endfunction()
run_to(${OUT}/man/exportscreen.1 help --man)
execute_process(COMMAND ${EXE} help --commands OUTPUT_VARIABLE cmds RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} help --commands failed: ${rc}")
endif()
string(REPLACE "\n" ";" cmds "${cmds}")
foreach(c ${cmds})
  if(c)
    run_to(${OUT}/man/exportscreen-${c}.1 help --man ${c})
  endif()
endforeach()
run_to(${OUT}/completion/exportscreen help --bash-completion)

# Compressed copies for installing (Debian policy: man pages gzipped),
# reproducible (no timestamp); build/man keeps the plain pages the tests read.
file(REMOVE_RECURSE ${OUT}/man-gz)
file(MAKE_DIRECTORY ${OUT}/man-gz)
file(GLOB pages RELATIVE ${OUT}/man ${OUT}/man/*.1)
foreach(p ${pages})
  execute_process(COMMAND ${CMAKE_COMMAND} -E chdir ${OUT}/man
    ${CMAKE_COMMAND} -DP=${p} -DDEST=${OUT}/man-gz/${p}.gz -P ${CMAKE_CURRENT_LIST_DIR}/gzip-one.cmake
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${p} failed")
  endif()
endforeach()
