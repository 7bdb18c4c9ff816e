{
  "targets": [
    {
      "target_name": "syscalls",
      "sources": ["src/syscalls.c", "src/at.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
