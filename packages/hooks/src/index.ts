export { endRunningScripts, runScript, scriptEnd, scriptFailure, scriptOutput, type ScriptResult, type ScriptRun } from './run-script';
