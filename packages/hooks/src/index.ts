export { OUTPUT_TAIL_BYTES, runScript, scriptEnd, scriptEnvironment, scriptFailure, scriptOutput, type ScriptResult, type ScriptRun } from './run-script';
