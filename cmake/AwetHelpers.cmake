# awet_library(NAME <name> SRCS <files...> DEPS <targets...> [PRIVATE_DEPS <targets...>])
#   Builds static library awet_<name> with alias awet::<name>; public headers live in
#   src/<name>/include/awet/<name>/.
function(awet_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(awet_${A_NAME} STATIC ${A_SRCS})
  add_library(awet::${A_NAME} ALIAS awet_${A_NAME})
  target_include_directories(awet_${A_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(awet_${A_NAME} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS} awet_warnings)
endfunction()

# awet_test(NAME <name> SRCS <files...> DEPS <targets...> [LABELS <labels...>])
#   One GoogleTest executable; tests are discovered and run through ctest.
function(awet_test)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT AWET_BUILD_TESTS)
    return()
  endif()
  add_executable(test_${A_NAME} ${A_SRCS})
  target_link_libraries(test_${A_NAME} PRIVATE ${A_DEPS} awet_test_support GTest::gtest_main
                        GTest::gmock awet_warnings)
  gtest_discover_tests(test_${A_NAME} DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS "${A_NAME};${A_LABELS}" TIMEOUT 300)
endfunction()
