{
  "targets": [
    {
      "target_name": "syscalls",
      "sources": ["src/syscalls.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
