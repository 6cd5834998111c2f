# tbfault_test(NAME SOURCES... LIBS... [DEFINITIONS...] [DEPENDS...] [PROPERTIES...]
#              [HARDENING Suite.Test...]) builds a GoogleTest binary into bin/ and registers its
# tests; DEFINITIONS are its compile definitions (generator expressions welcome:
# TBFAULT_BIN="$<TARGET_FILE:tbfault>"), DEPENDS the targets it runs, built before it. The tests
# named in HARDENING (issue 19's cases, `ctest -L hardening`) get the label `hardening`: they are
# discovered apart, with a --gtest_filter, so each still runs once. Nothing when TBFAULT_TESTS is
# off.
function(tbfault_test name)
  if(NOT TBFAULT_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;DEFINITIONS;DEPENDS;PROPERTIES;HARDENING" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(T_DEFINITIONS)
    target_compile_definitions(${name} PRIVATE ${T_DEFINITIONS})
  endif()
  if(T_DEPENDS)
    add_dependencies(${name} ${T_DEPENDS})
  endif()
  if(T_HARDENING)
    list(JOIN T_HARDENING ":" filter)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_FILTER "-${filter}"
                         PROPERTIES ${T_PROPERTIES})
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_FILTER "${filter}"
                         PROPERTIES LABELS hardening ${T_PROPERTIES})
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${T_PROPERTIES})
  endif()
endfunction()

# tbfault_bench(NAME SOURCES... LIBS... [DEFINITIONS...] [DEPENDS...]) builds a Google Benchmark
# binary into bin/. Nothing when TBFAULT_BENCH is off.
function(tbfault_bench name)
  if(NOT TBFAULT_BENCH)
    return()
  endif()
  cmake_parse_arguments(B "" "" "SOURCES;LIBS;DEFINITIONS;DEPENDS" ${ARGN})
  add_executable(${name} ${B_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${B_LIBS} benchmark::benchmark)
  if(B_DEFINITIONS)
    target_compile_definitions(${name} PRIVATE ${B_DEFINITIONS})
  endif()
  if(B_DEPENDS)
    add_dependencies(${name} ${B_DEPENDS})
  endif()
endfunction()

# tbfault_proto_library(NAME PROTOS file.proto... [PYTHON_OUT DIR]): protobuf code generation, the
# one way every part does it. protoc compiles each .proto (relative to the calling directory) into
# the build tree, <build>/<path>/<file>.pb.{h,cc}, included as "<path>/<file>.pb.h"; the sources
# become the static library NAME (linking protobuf, its include directory public). With
# PYTHON_OUT, <DIR>/<file>_pb2.py is generated too, listed in ${NAME}_PYTHON for a target to
# depend on.
function(tbfault_proto_library name)
  cmake_parse_arguments(P "" "PYTHON_OUT" "PROTOS" ${ARGN})
  set(sources)
  set(python)
  foreach(proto ${P_PROTOS})
    get_filename_component(abs ${proto} ABSOLUTE)
    get_filename_component(dir ${abs} DIRECTORY)
    get_filename_component(base ${abs} NAME_WE)
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${abs})
    string(REGEX REPLACE "\\.proto$" ".pb" out ${PROJECT_BINARY_DIR}/${rel})
    add_custom_command(
      OUTPUT ${out}.cc ${out}.h
      COMMAND protobuf::protoc --cpp_out=${PROJECT_BINARY_DIR} -I ${PROJECT_SOURCE_DIR} ${abs}
      DEPENDS ${abs} protobuf::protoc
      COMMENT "protoc ${rel}")
    list(APPEND sources ${out}.cc)
    if(P_PYTHON_OUT)
      add_custom_command(
        OUTPUT ${P_PYTHON_OUT}/${base}_pb2.py
        COMMAND ${CMAKE_COMMAND} -E make_directory ${P_PYTHON_OUT}
        COMMAND protobuf::protoc --python_out=${P_PYTHON_OUT} -I ${dir} ${abs}
        DEPENDS ${abs} protobuf::protoc
        COMMENT "protoc ${rel} (Python)")
      list(APPEND python ${P_PYTHON_OUT}/${base}_pb2.py)
    endif()
  endforeach()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_options(${name} PRIVATE -w)
  set(${name}_PYTHON ${python} PARENT_SCOPE)
endfunction()

# tbfault_fuzz(NAME SOURCES... LIBS ...) builds a libFuzzer target (the `fuzz` preset) into bin/.
function(tbfault_fuzz name)
  if(NOT TBFAULT_FUZZ)
    return()
  endif()
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
endfunction()
