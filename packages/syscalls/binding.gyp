{
  "targets": [
    {
      "target_name": "syscalls",
      "sources": ["src/syscalls.c", "src/at.c", "src/priority.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
