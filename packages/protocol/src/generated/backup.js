/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
"use strict";

var $protobuf = require("protobufjs/minimal");

// Common aliases
var $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
var $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
var $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

$root.cpsbackup = (function() {

    /**
     * Namespace cpsbackup.
     * @exports cpsbackup
     * @namespace
     */
    var cpsbackup = {};

    cpsbackup.Envelope = (function() {

        /**
         * Properties of an Envelope.
         * @typedef {Object} cpsbackup.Envelope.$Properties
         * @property {cpsbackup.Hello.$Properties|null} [hello] Envelope hello
         * @property {cpsbackup.Welcome.$Properties|null} [welcome] Envelope welcome
         * @property {cpsbackup.Error.$Properties|null} [error] Envelope error
         * @property {cpsbackup.BeginBackup.$Properties|null} [beginBackup] Envelope beginBackup
         * @property {cpsbackup.BackupStarted.$Properties|null} [backupStarted] Envelope backupStarted
         * @property {cpsbackup.MissingQuery.$Properties|null} [missingQuery] Envelope missingQuery
         * @property {cpsbackup.MissingReply.$Properties|null} [missingReply] Envelope missingReply
         * @property {cpsbackup.Chunk.$Properties|null} [chunk] Envelope chunk
         * @property {cpsbackup.ListingChunk.$Properties|null} [listingChunk] Envelope listingChunk
         * @property {cpsbackup.EndBackup.$Properties|null} [endBackup] Envelope endBackup
         * @property {cpsbackup.BackupDone.$Properties|null} [backupDone] Envelope backupDone
         * @property {cpsbackup.ListRequest.$Properties|null} [listRequest] Envelope listRequest
         * @property {cpsbackup.BackupList.$Properties|null} [backupList] Envelope backupList
         * @property {cpsbackup.RestoreRequest.$Properties|null} [restoreRequest] Envelope restoreRequest
         * @property {cpsbackup.RestoreEnd.$Properties|null} [restoreEnd] Envelope restoreEnd
         * @property {cpsbackup.DeleteRequest.$Properties|null} [deleteRequest] Envelope deleteRequest
         * @property {cpsbackup.DeleteDone.$Properties|null} [deleteDone] Envelope deleteDone
         * @property {cpsbackup.AbortBackup.$Properties|null} [abortBackup] Envelope abortBackup
         * @property {cpsbackup.Warning.$Properties|null} [warning] Envelope warning
         * @property {cpsbackup.LabelRequest.$Properties|null} [labelRequest] Envelope labelRequest
         * @property {cpsbackup.LabelDone.$Properties|null} [labelDone] Envelope labelDone
         * @property {cpsbackup.EnrolRequest.$Properties|null} [enrolRequest] Envelope enrolRequest
         * @property {cpsbackup.EnrolDone.$Properties|null} [enrolDone] Envelope enrolDone
         * @property {cpsbackup.VerifyRequest.$Properties|null} [verifyRequest] Envelope verifyRequest
         * @property {cpsbackup.VerifyResult.$Properties|null} [verifyResult] Envelope verifyResult
         * @property {cpsbackup.ReadChunks.$Properties|null} [readChunks] Envelope readChunks
         * @property {cpsbackup.BackupTree.$Properties|null} [backupTree] Envelope backupTree
         * @property {cpsbackup.KeyRequest.$Properties|null} [keyRequest] Envelope keyRequest
         * @property {cpsbackup.KeyReply.$Properties|null} [keyReply] Envelope keyReply
         * @property {cpsbackup.KeepAlive.$Properties|null} [keepAlive] Envelope keepAlive
         * @property {cpsbackup.StorageWait.$Properties|null} [storageWait] Envelope storageWait
         * @property {"hello"|"welcome"|"error"|"beginBackup"|"backupStarted"|"missingQuery"|"missingReply"|"chunk"|"listingChunk"|"endBackup"|"backupDone"|"listRequest"|"backupList"|"restoreRequest"|"restoreEnd"|"deleteRequest"|"deleteDone"|"abortBackup"|"warning"|"labelRequest"|"labelDone"|"enrolRequest"|"enrolDone"|"verifyRequest"|"verifyResult"|"readChunks"|"backupTree"|"keyRequest"|"keyReply"|"keepAlive"|"storageWait"} [msg] Envelope msg
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an Envelope.
         * @memberof cpsbackup
         * @interface IEnvelope
         * @augments cpsbackup.Envelope.$Properties
         * @deprecated Use cpsbackup.Envelope.$Properties instead.
         */

        /**
         * Narrowed shape of an Envelope.
         * @typedef {{
         *   hello?: cpsbackup.Hello.$Shape|null;
         *   welcome?: cpsbackup.Welcome.$Shape|null;
         *   error?: cpsbackup.Error.$Shape|null;
         *   beginBackup?: cpsbackup.BeginBackup.$Shape|null;
         *   backupStarted?: cpsbackup.BackupStarted.$Shape|null;
         *   missingQuery?: cpsbackup.MissingQuery.$Shape|null;
         *   missingReply?: cpsbackup.MissingReply.$Shape|null;
         *   chunk?: cpsbackup.Chunk.$Shape|null;
         *   listingChunk?: cpsbackup.ListingChunk.$Shape|null;
         *   endBackup?: cpsbackup.EndBackup.$Shape|null;
         *   backupDone?: cpsbackup.BackupDone.$Shape|null;
         *   listRequest?: cpsbackup.ListRequest.$Shape|null;
         *   backupList?: cpsbackup.BackupList.$Shape|null;
         *   restoreRequest?: cpsbackup.RestoreRequest.$Shape|null;
         *   restoreEnd?: cpsbackup.RestoreEnd.$Shape|null;
         *   deleteRequest?: cpsbackup.DeleteRequest.$Shape|null;
         *   deleteDone?: cpsbackup.DeleteDone.$Shape|null;
         *   abortBackup?: cpsbackup.AbortBackup.$Shape|null;
         *   warning?: cpsbackup.Warning.$Shape|null;
         *   labelRequest?: cpsbackup.LabelRequest.$Shape|null;
         *   labelDone?: cpsbackup.LabelDone.$Shape|null;
         *   enrolRequest?: cpsbackup.EnrolRequest.$Shape|null;
         *   enrolDone?: cpsbackup.EnrolDone.$Shape|null;
         *   verifyRequest?: cpsbackup.VerifyRequest.$Shape|null;
         *   verifyResult?: cpsbackup.VerifyResult.$Shape|null;
         *   readChunks?: cpsbackup.ReadChunks.$Shape|null;
         *   backupTree?: cpsbackup.BackupTree.$Shape|null;
         *   keyRequest?: cpsbackup.KeyRequest.$Shape|null;
         *   keyReply?: cpsbackup.KeyReply.$Shape|null;
         *   keepAlive?: cpsbackup.KeepAlive.$Shape|null;
         *   storageWait?: cpsbackup.StorageWait.$Shape|null;
         *   $unknowns?: Array.<Uint8Array>;
         * } & (
         *   ({ msg?: undefined; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "hello"; hello: cpsbackup.Hello.$Shape; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "welcome"; hello?: null; welcome: cpsbackup.Welcome.$Shape; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "error"; hello?: null; welcome?: null; error: cpsbackup.Error.$Shape; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "beginBackup"; hello?: null; welcome?: null; error?: null; beginBackup: cpsbackup.BeginBackup.$Shape; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "backupStarted"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted: cpsbackup.BackupStarted.$Shape; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "missingQuery"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery: cpsbackup.MissingQuery.$Shape; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "missingReply"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply: cpsbackup.MissingReply.$Shape; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "chunk"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk: cpsbackup.Chunk.$Shape; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "listingChunk"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk: cpsbackup.ListingChunk.$Shape; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "endBackup"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup: cpsbackup.EndBackup.$Shape; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "backupDone"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone: cpsbackup.BackupDone.$Shape; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "listRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest: cpsbackup.ListRequest.$Shape; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "backupList"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList: cpsbackup.BackupList.$Shape; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "restoreRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest: cpsbackup.RestoreRequest.$Shape; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "restoreEnd"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd: cpsbackup.RestoreEnd.$Shape; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "deleteRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest: cpsbackup.DeleteRequest.$Shape; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "deleteDone"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone: cpsbackup.DeleteDone.$Shape; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "abortBackup"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup: cpsbackup.AbortBackup.$Shape; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "warning"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning: cpsbackup.Warning.$Shape; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "labelRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest: cpsbackup.LabelRequest.$Shape; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "labelDone"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone: cpsbackup.LabelDone.$Shape; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "enrolRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest: cpsbackup.EnrolRequest.$Shape; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "enrolDone"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone: cpsbackup.EnrolDone.$Shape; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "verifyRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest: cpsbackup.VerifyRequest.$Shape; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "verifyResult"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult: cpsbackup.VerifyResult.$Shape; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "readChunks"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks: cpsbackup.ReadChunks.$Shape; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "backupTree"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree: cpsbackup.BackupTree.$Shape; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "keyRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest: cpsbackup.KeyRequest.$Shape; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "keyReply"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply: cpsbackup.KeyReply.$Shape; keepAlive?: null; storageWait?: null }|{ msg?: "keepAlive"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive: cpsbackup.KeepAlive.$Shape; storageWait?: null }|{ msg?: "storageWait"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait: cpsbackup.StorageWait.$Shape })
         * )} cpsbackup.Envelope.$Shape
         */

        /**
         * Constructs a new Envelope.
         * @memberof cpsbackup
         * @classdesc Represents an Envelope.
         * @constructor
         * @param {cpsbackup.Envelope.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var Envelope = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Envelope hello.
         * @member {cpsbackup.Hello.$Properties|null|undefined} hello
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.hello = null;

        /**
         * Envelope welcome.
         * @member {cpsbackup.Welcome.$Properties|null|undefined} welcome
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.welcome = null;

        /**
         * Envelope error.
         * @member {cpsbackup.Error.$Properties|null|undefined} error
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.error = null;

        /**
         * Envelope beginBackup.
         * @member {cpsbackup.BeginBackup.$Properties|null|undefined} beginBackup
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.beginBackup = null;

        /**
         * Envelope backupStarted.
         * @member {cpsbackup.BackupStarted.$Properties|null|undefined} backupStarted
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.backupStarted = null;

        /**
         * Envelope missingQuery.
         * @member {cpsbackup.MissingQuery.$Properties|null|undefined} missingQuery
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.missingQuery = null;

        /**
         * Envelope missingReply.
         * @member {cpsbackup.MissingReply.$Properties|null|undefined} missingReply
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.missingReply = null;

        /**
         * Envelope chunk.
         * @member {cpsbackup.Chunk.$Properties|null|undefined} chunk
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.chunk = null;

        /**
         * Envelope listingChunk.
         * @member {cpsbackup.ListingChunk.$Properties|null|undefined} listingChunk
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.listingChunk = null;

        /**
         * Envelope endBackup.
         * @member {cpsbackup.EndBackup.$Properties|null|undefined} endBackup
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.endBackup = null;

        /**
         * Envelope backupDone.
         * @member {cpsbackup.BackupDone.$Properties|null|undefined} backupDone
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.backupDone = null;

        /**
         * Envelope listRequest.
         * @member {cpsbackup.ListRequest.$Properties|null|undefined} listRequest
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.listRequest = null;

        /**
         * Envelope backupList.
         * @member {cpsbackup.BackupList.$Properties|null|undefined} backupList
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.backupList = null;

        /**
         * Envelope restoreRequest.
         * @member {cpsbackup.RestoreRequest.$Properties|null|undefined} restoreRequest
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.restoreRequest = null;

        /**
         * Envelope restoreEnd.
         * @member {cpsbackup.RestoreEnd.$Properties|null|undefined} restoreEnd
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.restoreEnd = null;

        /**
         * Envelope deleteRequest.
         * @member {cpsbackup.DeleteRequest.$Properties|null|undefined} deleteRequest
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.deleteRequest = null;

        /**
         * Envelope deleteDone.
         * @member {cpsbackup.DeleteDone.$Properties|null|undefined} deleteDone
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.deleteDone = null;

        /**
         * Envelope abortBackup.
         * @member {cpsbackup.AbortBackup.$Properties|null|undefined} abortBackup
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.abortBackup = null;

        /**
         * Envelope warning.
         * @member {cpsbackup.Warning.$Properties|null|undefined} warning
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.warning = null;

        /**
         * Envelope labelRequest.
         * @member {cpsbackup.LabelRequest.$Properties|null|undefined} labelRequest
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.labelRequest = null;

        /**
         * Envelope labelDone.
         * @member {cpsbackup.LabelDone.$Properties|null|undefined} labelDone
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.labelDone = null;

        /**
         * Envelope enrolRequest.
         * @member {cpsbackup.EnrolRequest.$Properties|null|undefined} enrolRequest
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.enrolRequest = null;

        /**
         * Envelope enrolDone.
         * @member {cpsbackup.EnrolDone.$Properties|null|undefined} enrolDone
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.enrolDone = null;

        /**
         * Envelope verifyRequest.
         * @member {cpsbackup.VerifyRequest.$Properties|null|undefined} verifyRequest
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.verifyRequest = null;

        /**
         * Envelope verifyResult.
         * @member {cpsbackup.VerifyResult.$Properties|null|undefined} verifyResult
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.verifyResult = null;

        /**
         * Envelope readChunks.
         * @member {cpsbackup.ReadChunks.$Properties|null|undefined} readChunks
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.readChunks = null;

        /**
         * Envelope backupTree.
         * @member {cpsbackup.BackupTree.$Properties|null|undefined} backupTree
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.backupTree = null;

        /**
         * Envelope keyRequest.
         * @member {cpsbackup.KeyRequest.$Properties|null|undefined} keyRequest
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.keyRequest = null;

        /**
         * Envelope keyReply.
         * @member {cpsbackup.KeyReply.$Properties|null|undefined} keyReply
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.keyReply = null;

        /**
         * Envelope keepAlive.
         * @member {cpsbackup.KeepAlive.$Properties|null|undefined} keepAlive
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.keepAlive = null;

        /**
         * Envelope storageWait.
         * @member {cpsbackup.StorageWait.$Properties|null|undefined} storageWait
         * @memberof cpsbackup.Envelope
         * @instance
         */
        Envelope.prototype.storageWait = null;

        // OneOf field names bound to virtual getters and setters
        var $oneOfFields;

        /**
         * Envelope msg.
         * @member {"hello"|"welcome"|"error"|"beginBackup"|"backupStarted"|"missingQuery"|"missingReply"|"chunk"|"listingChunk"|"endBackup"|"backupDone"|"listRequest"|"backupList"|"restoreRequest"|"restoreEnd"|"deleteRequest"|"deleteDone"|"abortBackup"|"warning"|"labelRequest"|"labelDone"|"enrolRequest"|"enrolDone"|"verifyRequest"|"verifyResult"|"readChunks"|"backupTree"|"keyRequest"|"keyReply"|"keepAlive"|"storageWait"|undefined} msg
         * @memberof cpsbackup.Envelope
         * @instance
         */
        $Object.defineProperty(Envelope.prototype, "msg", {
            get: $util.oneOfGetter($oneOfFields = ["hello", "welcome", "error", "beginBackup", "backupStarted", "missingQuery", "missingReply", "chunk", "listingChunk", "endBackup", "backupDone", "listRequest", "backupList", "restoreRequest", "restoreEnd", "deleteRequest", "deleteDone", "abortBackup", "warning", "labelRequest", "labelDone", "enrolRequest", "enrolDone", "verifyRequest", "verifyResult", "readChunks", "backupTree", "keyRequest", "keyReply", "keepAlive", "storageWait"]),
            set: $util.oneOfSetter($oneOfFields)
        });

        /**
         * Creates a new Envelope instance using the specified properties.
         * @function create
         * @memberof cpsbackup.Envelope
         * @static
         * @param {cpsbackup.Envelope.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.Envelope} Envelope instance
         * @type {{
         *   (properties: cpsbackup.Envelope.$Shape): cpsbackup.Envelope & cpsbackup.Envelope.$Shape;
         *   (properties?: cpsbackup.Envelope.$Properties): cpsbackup.Envelope;
         * }}
         */
        Envelope.create = function(properties) {
            return new Envelope(properties);
        };

        /**
         * Encodes the specified Envelope message. Does not implicitly {@link cpsbackup.Envelope.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.Envelope
         * @static
         * @param {cpsbackup.Envelope.$Properties} message Envelope message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Envelope.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.hello != null && $Object.hasOwnProperty.call(message, "hello"))
                $root.cpsbackup.Hello.encode(message.hello, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
            if (message.welcome != null && $Object.hasOwnProperty.call(message, "welcome"))
                $root.cpsbackup.Welcome.encode(message.welcome, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
            if (message.error != null && $Object.hasOwnProperty.call(message, "error"))
                $root.cpsbackup.Error.encode(message.error, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
            if (message.beginBackup != null && $Object.hasOwnProperty.call(message, "beginBackup"))
                $root.cpsbackup.BeginBackup.encode(message.beginBackup, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
            if (message.backupStarted != null && $Object.hasOwnProperty.call(message, "backupStarted"))
                $root.cpsbackup.BackupStarted.encode(message.backupStarted, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
            if (message.missingQuery != null && $Object.hasOwnProperty.call(message, "missingQuery"))
                $root.cpsbackup.MissingQuery.encode(message.missingQuery, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
            if (message.missingReply != null && $Object.hasOwnProperty.call(message, "missingReply"))
                $root.cpsbackup.MissingReply.encode(message.missingReply, writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
            if (message.chunk != null && $Object.hasOwnProperty.call(message, "chunk"))
                $root.cpsbackup.Chunk.encode(message.chunk, writer.uint32(/* id 9, wireType 2 =*/74).fork(), _depth + 1).ldelim();
            if (message.endBackup != null && $Object.hasOwnProperty.call(message, "endBackup"))
                $root.cpsbackup.EndBackup.encode(message.endBackup, writer.uint32(/* id 11, wireType 2 =*/90).fork(), _depth + 1).ldelim();
            if (message.backupDone != null && $Object.hasOwnProperty.call(message, "backupDone"))
                $root.cpsbackup.BackupDone.encode(message.backupDone, writer.uint32(/* id 12, wireType 2 =*/98).fork(), _depth + 1).ldelim();
            if (message.listRequest != null && $Object.hasOwnProperty.call(message, "listRequest"))
                $root.cpsbackup.ListRequest.encode(message.listRequest, writer.uint32(/* id 13, wireType 2 =*/106).fork(), _depth + 1).ldelim();
            if (message.backupList != null && $Object.hasOwnProperty.call(message, "backupList"))
                $root.cpsbackup.BackupList.encode(message.backupList, writer.uint32(/* id 14, wireType 2 =*/114).fork(), _depth + 1).ldelim();
            if (message.restoreRequest != null && $Object.hasOwnProperty.call(message, "restoreRequest"))
                $root.cpsbackup.RestoreRequest.encode(message.restoreRequest, writer.uint32(/* id 15, wireType 2 =*/122).fork(), _depth + 1).ldelim();
            if (message.restoreEnd != null && $Object.hasOwnProperty.call(message, "restoreEnd"))
                $root.cpsbackup.RestoreEnd.encode(message.restoreEnd, writer.uint32(/* id 17, wireType 2 =*/138).fork(), _depth + 1).ldelim();
            if (message.deleteRequest != null && $Object.hasOwnProperty.call(message, "deleteRequest"))
                $root.cpsbackup.DeleteRequest.encode(message.deleteRequest, writer.uint32(/* id 18, wireType 2 =*/146).fork(), _depth + 1).ldelim();
            if (message.deleteDone != null && $Object.hasOwnProperty.call(message, "deleteDone"))
                $root.cpsbackup.DeleteDone.encode(message.deleteDone, writer.uint32(/* id 19, wireType 2 =*/154).fork(), _depth + 1).ldelim();
            if (message.abortBackup != null && $Object.hasOwnProperty.call(message, "abortBackup"))
                $root.cpsbackup.AbortBackup.encode(message.abortBackup, writer.uint32(/* id 20, wireType 2 =*/162).fork(), _depth + 1).ldelim();
            if (message.warning != null && $Object.hasOwnProperty.call(message, "warning"))
                $root.cpsbackup.Warning.encode(message.warning, writer.uint32(/* id 21, wireType 2 =*/170).fork(), _depth + 1).ldelim();
            if (message.labelRequest != null && $Object.hasOwnProperty.call(message, "labelRequest"))
                $root.cpsbackup.LabelRequest.encode(message.labelRequest, writer.uint32(/* id 22, wireType 2 =*/178).fork(), _depth + 1).ldelim();
            if (message.labelDone != null && $Object.hasOwnProperty.call(message, "labelDone"))
                $root.cpsbackup.LabelDone.encode(message.labelDone, writer.uint32(/* id 23, wireType 2 =*/186).fork(), _depth + 1).ldelim();
            if (message.enrolRequest != null && $Object.hasOwnProperty.call(message, "enrolRequest"))
                $root.cpsbackup.EnrolRequest.encode(message.enrolRequest, writer.uint32(/* id 24, wireType 2 =*/194).fork(), _depth + 1).ldelim();
            if (message.enrolDone != null && $Object.hasOwnProperty.call(message, "enrolDone"))
                $root.cpsbackup.EnrolDone.encode(message.enrolDone, writer.uint32(/* id 25, wireType 2 =*/202).fork(), _depth + 1).ldelim();
            if (message.verifyRequest != null && $Object.hasOwnProperty.call(message, "verifyRequest"))
                $root.cpsbackup.VerifyRequest.encode(message.verifyRequest, writer.uint32(/* id 26, wireType 2 =*/210).fork(), _depth + 1).ldelim();
            if (message.verifyResult != null && $Object.hasOwnProperty.call(message, "verifyResult"))
                $root.cpsbackup.VerifyResult.encode(message.verifyResult, writer.uint32(/* id 27, wireType 2 =*/218).fork(), _depth + 1).ldelim();
            if (message.listingChunk != null && $Object.hasOwnProperty.call(message, "listingChunk"))
                $root.cpsbackup.ListingChunk.encode(message.listingChunk, writer.uint32(/* id 28, wireType 2 =*/226).fork(), _depth + 1).ldelim();
            if (message.readChunks != null && $Object.hasOwnProperty.call(message, "readChunks"))
                $root.cpsbackup.ReadChunks.encode(message.readChunks, writer.uint32(/* id 29, wireType 2 =*/234).fork(), _depth + 1).ldelim();
            if (message.backupTree != null && $Object.hasOwnProperty.call(message, "backupTree"))
                $root.cpsbackup.BackupTree.encode(message.backupTree, writer.uint32(/* id 30, wireType 2 =*/242).fork(), _depth + 1).ldelim();
            if (message.keyRequest != null && $Object.hasOwnProperty.call(message, "keyRequest"))
                $root.cpsbackup.KeyRequest.encode(message.keyRequest, writer.uint32(/* id 31, wireType 2 =*/250).fork(), _depth + 1).ldelim();
            if (message.keyReply != null && $Object.hasOwnProperty.call(message, "keyReply"))
                $root.cpsbackup.KeyReply.encode(message.keyReply, writer.uint32(/* id 32, wireType 2 =*/258).fork(), _depth + 1).ldelim();
            if (message.keepAlive != null && $Object.hasOwnProperty.call(message, "keepAlive"))
                $root.cpsbackup.KeepAlive.encode(message.keepAlive, writer.uint32(/* id 33, wireType 2 =*/266).fork(), _depth + 1).ldelim();
            if (message.storageWait != null && $Object.hasOwnProperty.call(message, "storageWait"))
                $root.cpsbackup.StorageWait.encode(message.storageWait, writer.uint32(/* id 34, wireType 2 =*/274).fork(), _depth + 1).ldelim();
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an Envelope message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.Envelope
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.Envelope & cpsbackup.Envelope.$Shape} Envelope
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Envelope.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.Envelope();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.hello = $root.cpsbackup.Hello.decode(reader, reader.size(), $undefined, _depth + 1, message.hello);
                        message.msg = "hello";
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.welcome = $root.cpsbackup.Welcome.decode(reader, reader.size(), $undefined, _depth + 1, message.welcome);
                        message.msg = "welcome";
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.error = $root.cpsbackup.Error.decode(reader, reader.size(), $undefined, _depth + 1, message.error);
                        message.msg = "error";
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.beginBackup = $root.cpsbackup.BeginBackup.decode(reader, reader.size(), $undefined, _depth + 1, message.beginBackup);
                        message.msg = "beginBackup";
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        message.backupStarted = $root.cpsbackup.BackupStarted.decode(reader, reader.size(), $undefined, _depth + 1, message.backupStarted);
                        message.msg = "backupStarted";
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        message.missingQuery = $root.cpsbackup.MissingQuery.decode(reader, reader.size(), $undefined, _depth + 1, message.missingQuery);
                        message.msg = "missingQuery";
                        continue;
                    }
                case 8: {
                        if (wireType !== 2)
                            break;
                        message.missingReply = $root.cpsbackup.MissingReply.decode(reader, reader.size(), $undefined, _depth + 1, message.missingReply);
                        message.msg = "missingReply";
                        continue;
                    }
                case 9: {
                        if (wireType !== 2)
                            break;
                        message.chunk = $root.cpsbackup.Chunk.decode(reader, reader.size(), $undefined, _depth + 1, message.chunk);
                        message.msg = "chunk";
                        continue;
                    }
                case 28: {
                        if (wireType !== 2)
                            break;
                        message.listingChunk = $root.cpsbackup.ListingChunk.decode(reader, reader.size(), $undefined, _depth + 1, message.listingChunk);
                        message.msg = "listingChunk";
                        continue;
                    }
                case 11: {
                        if (wireType !== 2)
                            break;
                        message.endBackup = $root.cpsbackup.EndBackup.decode(reader, reader.size(), $undefined, _depth + 1, message.endBackup);
                        message.msg = "endBackup";
                        continue;
                    }
                case 12: {
                        if (wireType !== 2)
                            break;
                        message.backupDone = $root.cpsbackup.BackupDone.decode(reader, reader.size(), $undefined, _depth + 1, message.backupDone);
                        message.msg = "backupDone";
                        continue;
                    }
                case 13: {
                        if (wireType !== 2)
                            break;
                        message.listRequest = $root.cpsbackup.ListRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.listRequest);
                        message.msg = "listRequest";
                        continue;
                    }
                case 14: {
                        if (wireType !== 2)
                            break;
                        message.backupList = $root.cpsbackup.BackupList.decode(reader, reader.size(), $undefined, _depth + 1, message.backupList);
                        message.msg = "backupList";
                        continue;
                    }
                case 15: {
                        if (wireType !== 2)
                            break;
                        message.restoreRequest = $root.cpsbackup.RestoreRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.restoreRequest);
                        message.msg = "restoreRequest";
                        continue;
                    }
                case 17: {
                        if (wireType !== 2)
                            break;
                        message.restoreEnd = $root.cpsbackup.RestoreEnd.decode(reader, reader.size(), $undefined, _depth + 1, message.restoreEnd);
                        message.msg = "restoreEnd";
                        continue;
                    }
                case 18: {
                        if (wireType !== 2)
                            break;
                        message.deleteRequest = $root.cpsbackup.DeleteRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.deleteRequest);
                        message.msg = "deleteRequest";
                        continue;
                    }
                case 19: {
                        if (wireType !== 2)
                            break;
                        message.deleteDone = $root.cpsbackup.DeleteDone.decode(reader, reader.size(), $undefined, _depth + 1, message.deleteDone);
                        message.msg = "deleteDone";
                        continue;
                    }
                case 20: {
                        if (wireType !== 2)
                            break;
                        message.abortBackup = $root.cpsbackup.AbortBackup.decode(reader, reader.size(), $undefined, _depth + 1, message.abortBackup);
                        message.msg = "abortBackup";
                        continue;
                    }
                case 21: {
                        if (wireType !== 2)
                            break;
                        message.warning = $root.cpsbackup.Warning.decode(reader, reader.size(), $undefined, _depth + 1, message.warning);
                        message.msg = "warning";
                        continue;
                    }
                case 22: {
                        if (wireType !== 2)
                            break;
                        message.labelRequest = $root.cpsbackup.LabelRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.labelRequest);
                        message.msg = "labelRequest";
                        continue;
                    }
                case 23: {
                        if (wireType !== 2)
                            break;
                        message.labelDone = $root.cpsbackup.LabelDone.decode(reader, reader.size(), $undefined, _depth + 1, message.labelDone);
                        message.msg = "labelDone";
                        continue;
                    }
                case 24: {
                        if (wireType !== 2)
                            break;
                        message.enrolRequest = $root.cpsbackup.EnrolRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.enrolRequest);
                        message.msg = "enrolRequest";
                        continue;
                    }
                case 25: {
                        if (wireType !== 2)
                            break;
                        message.enrolDone = $root.cpsbackup.EnrolDone.decode(reader, reader.size(), $undefined, _depth + 1, message.enrolDone);
                        message.msg = "enrolDone";
                        continue;
                    }
                case 26: {
                        if (wireType !== 2)
                            break;
                        message.verifyRequest = $root.cpsbackup.VerifyRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.verifyRequest);
                        message.msg = "verifyRequest";
                        continue;
                    }
                case 27: {
                        if (wireType !== 2)
                            break;
                        message.verifyResult = $root.cpsbackup.VerifyResult.decode(reader, reader.size(), $undefined, _depth + 1, message.verifyResult);
                        message.msg = "verifyResult";
                        continue;
                    }
                case 29: {
                        if (wireType !== 2)
                            break;
                        message.readChunks = $root.cpsbackup.ReadChunks.decode(reader, reader.size(), $undefined, _depth + 1, message.readChunks);
                        message.msg = "readChunks";
                        continue;
                    }
                case 30: {
                        if (wireType !== 2)
                            break;
                        message.backupTree = $root.cpsbackup.BackupTree.decode(reader, reader.size(), $undefined, _depth + 1, message.backupTree);
                        message.msg = "backupTree";
                        continue;
                    }
                case 31: {
                        if (wireType !== 2)
                            break;
                        message.keyRequest = $root.cpsbackup.KeyRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.keyRequest);
                        message.msg = "keyRequest";
                        continue;
                    }
                case 32: {
                        if (wireType !== 2)
                            break;
                        message.keyReply = $root.cpsbackup.KeyReply.decode(reader, reader.size(), $undefined, _depth + 1, message.keyReply);
                        message.msg = "keyReply";
                        continue;
                    }
                case 33: {
                        if (wireType !== 2)
                            break;
                        message.keepAlive = $root.cpsbackup.KeepAlive.decode(reader, reader.size(), $undefined, _depth + 1, message.keepAlive);
                        message.msg = "keepAlive";
                        continue;
                    }
                case 34: {
                        if (wireType !== 2)
                            break;
                        message.storageWait = $root.cpsbackup.StorageWait.decode(reader, reader.size(), $undefined, _depth + 1, message.storageWait);
                        message.msg = "storageWait";
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return Envelope;
    })();

    cpsbackup.Hello = (function() {

        /**
         * Properties of a Hello.
         * @typedef {Object} cpsbackup.Hello.$Properties
         * @property {number|null} [protocolVersion] Hello protocolVersion
         * @property {string|null} [clientName] Hello clientName
         * @property {string|null} [agentVersion] Hello agentVersion
         * @property {Uint8Array|null} [keyId] Hello keyId
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a Hello.
         * @memberof cpsbackup
         * @interface IHello
         * @augments cpsbackup.Hello.$Properties
         * @deprecated Use cpsbackup.Hello.$Properties instead.
         */

        /**
         * Shape of a Hello.
         * @typedef {cpsbackup.Hello.$Properties} cpsbackup.Hello.$Shape
         */

        /**
         * Constructs a new Hello.
         * @memberof cpsbackup
         * @classdesc Represents a Hello.
         * @constructor
         * @param {cpsbackup.Hello.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var Hello = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Hello protocolVersion.
         * @member {number} protocolVersion
         * @memberof cpsbackup.Hello
         * @instance
         */
        Hello.prototype.protocolVersion = 0;

        /**
         * Hello clientName.
         * @member {string} clientName
         * @memberof cpsbackup.Hello
         * @instance
         */
        Hello.prototype.clientName = "";

        /**
         * Hello agentVersion.
         * @member {string} agentVersion
         * @memberof cpsbackup.Hello
         * @instance
         */
        Hello.prototype.agentVersion = "";

        /**
         * Hello keyId.
         * @member {Uint8Array} keyId
         * @memberof cpsbackup.Hello
         * @instance
         */
        Hello.prototype.keyId = $util.newBuffer([]);

        /**
         * Creates a new Hello instance using the specified properties.
         * @function create
         * @memberof cpsbackup.Hello
         * @static
         * @param {cpsbackup.Hello.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.Hello} Hello instance
         * @type {{
         *   (properties: cpsbackup.Hello.$Shape): cpsbackup.Hello & cpsbackup.Hello.$Shape;
         *   (properties?: cpsbackup.Hello.$Properties): cpsbackup.Hello;
         * }}
         */
        Hello.create = function(properties) {
            return new Hello(properties);
        };

        /**
         * Encodes the specified Hello message. Does not implicitly {@link cpsbackup.Hello.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.Hello
         * @static
         * @param {cpsbackup.Hello.$Properties} message Hello message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Hello.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.protocolVersion != null && $Object.hasOwnProperty.call(message, "protocolVersion") && message.protocolVersion !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.protocolVersion);
            if (message.clientName != null && $Object.hasOwnProperty.call(message, "clientName") && message.clientName !== "")
                writer.uint32(/* id 2, wireType 2 =*/18).string(message.clientName);
            if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion") && message.agentVersion !== "")
                writer.uint32(/* id 3, wireType 2 =*/26).string(message.agentVersion);
            if (message.keyId != null && $Object.hasOwnProperty.call(message, "keyId") && message.keyId.length)
                writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.keyId);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a Hello message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.Hello
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.Hello & cpsbackup.Hello.$Shape} Hello
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Hello.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.Hello();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.protocolVersion = value;
                        else
                            delete message.protocolVersion;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.clientName = value;
                        else
                            delete message.clientName;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.agentVersion = value;
                        else
                            delete message.agentVersion;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.keyId = value;
                        else
                            delete message.keyId;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return Hello;
    })();

    cpsbackup.Welcome = (function() {

        /**
         * Properties of a Welcome.
         * @typedef {Object} cpsbackup.Welcome.$Properties
         * @property {number|null} [protocolVersion] Welcome protocolVersion
         * @property {string|null} [serverVersion] Welcome serverVersion
         * @property {cpsbackup.ChunkerParams.$Properties|null} [chunker] Welcome chunker
         * @property {number|null} [maxFrameBytes] Welcome maxFrameBytes
         * @property {number|null} [idleTimeoutMs] Welcome idleTimeoutMs
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a Welcome.
         * @memberof cpsbackup
         * @interface IWelcome
         * @augments cpsbackup.Welcome.$Properties
         * @deprecated Use cpsbackup.Welcome.$Properties instead.
         */

        /**
         * Shape of a Welcome.
         * @typedef {cpsbackup.Welcome.$Properties} cpsbackup.Welcome.$Shape
         */

        /**
         * Constructs a new Welcome.
         * @memberof cpsbackup
         * @classdesc Represents a Welcome.
         * @constructor
         * @param {cpsbackup.Welcome.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var Welcome = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Welcome protocolVersion.
         * @member {number} protocolVersion
         * @memberof cpsbackup.Welcome
         * @instance
         */
        Welcome.prototype.protocolVersion = 0;

        /**
         * Welcome serverVersion.
         * @member {string} serverVersion
         * @memberof cpsbackup.Welcome
         * @instance
         */
        Welcome.prototype.serverVersion = "";

        /**
         * Welcome chunker.
         * @member {cpsbackup.ChunkerParams.$Properties|null|undefined} chunker
         * @memberof cpsbackup.Welcome
         * @instance
         */
        Welcome.prototype.chunker = null;

        /**
         * Welcome maxFrameBytes.
         * @member {number} maxFrameBytes
         * @memberof cpsbackup.Welcome
         * @instance
         */
        Welcome.prototype.maxFrameBytes = 0;

        /**
         * Welcome idleTimeoutMs.
         * @member {number} idleTimeoutMs
         * @memberof cpsbackup.Welcome
         * @instance
         */
        Welcome.prototype.idleTimeoutMs = 0;

        /**
         * Creates a new Welcome instance using the specified properties.
         * @function create
         * @memberof cpsbackup.Welcome
         * @static
         * @param {cpsbackup.Welcome.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.Welcome} Welcome instance
         * @type {{
         *   (properties: cpsbackup.Welcome.$Shape): cpsbackup.Welcome & cpsbackup.Welcome.$Shape;
         *   (properties?: cpsbackup.Welcome.$Properties): cpsbackup.Welcome;
         * }}
         */
        Welcome.create = function(properties) {
            return new Welcome(properties);
        };

        /**
         * Encodes the specified Welcome message. Does not implicitly {@link cpsbackup.Welcome.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.Welcome
         * @static
         * @param {cpsbackup.Welcome.$Properties} message Welcome message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Welcome.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.protocolVersion != null && $Object.hasOwnProperty.call(message, "protocolVersion") && message.protocolVersion !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.protocolVersion);
            if (message.serverVersion != null && $Object.hasOwnProperty.call(message, "serverVersion") && message.serverVersion !== "")
                writer.uint32(/* id 2, wireType 2 =*/18).string(message.serverVersion);
            if (message.chunker != null && $Object.hasOwnProperty.call(message, "chunker"))
                $root.cpsbackup.ChunkerParams.encode(message.chunker, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
            if (message.maxFrameBytes != null && $Object.hasOwnProperty.call(message, "maxFrameBytes") && message.maxFrameBytes !== 0)
                writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.maxFrameBytes);
            if (message.idleTimeoutMs != null && $Object.hasOwnProperty.call(message, "idleTimeoutMs") && message.idleTimeoutMs !== 0)
                writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.idleTimeoutMs);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a Welcome message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.Welcome
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.Welcome & cpsbackup.Welcome.$Shape} Welcome
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Welcome.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.Welcome();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.protocolVersion = value;
                        else
                            delete message.protocolVersion;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.serverVersion = value;
                        else
                            delete message.serverVersion;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.chunker = $root.cpsbackup.ChunkerParams.decode(reader, reader.size(), $undefined, _depth + 1, message.chunker);
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.maxFrameBytes = value;
                        else
                            delete message.maxFrameBytes;
                        continue;
                    }
                case 5: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.idleTimeoutMs = value;
                        else
                            delete message.idleTimeoutMs;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return Welcome;
    })();

    cpsbackup.KeepAlive = (function() {

        /**
         * Properties of a KeepAlive.
         * @typedef {Object} cpsbackup.KeepAlive.$Properties
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a KeepAlive.
         * @memberof cpsbackup
         * @interface IKeepAlive
         * @augments cpsbackup.KeepAlive.$Properties
         * @deprecated Use cpsbackup.KeepAlive.$Properties instead.
         */

        /**
         * Shape of a KeepAlive.
         * @typedef {cpsbackup.KeepAlive.$Properties} cpsbackup.KeepAlive.$Shape
         */

        /**
         * Constructs a new KeepAlive.
         * @memberof cpsbackup
         * @classdesc Represents a KeepAlive.
         * @constructor
         * @param {cpsbackup.KeepAlive.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var KeepAlive = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Creates a new KeepAlive instance using the specified properties.
         * @function create
         * @memberof cpsbackup.KeepAlive
         * @static
         * @param {cpsbackup.KeepAlive.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.KeepAlive} KeepAlive instance
         * @type {{
         *   (properties: cpsbackup.KeepAlive.$Shape): cpsbackup.KeepAlive & cpsbackup.KeepAlive.$Shape;
         *   (properties?: cpsbackup.KeepAlive.$Properties): cpsbackup.KeepAlive;
         * }}
         */
        KeepAlive.create = function(properties) {
            return new KeepAlive(properties);
        };

        /**
         * Encodes the specified KeepAlive message. Does not implicitly {@link cpsbackup.KeepAlive.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.KeepAlive
         * @static
         * @param {cpsbackup.KeepAlive.$Properties} message KeepAlive message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        KeepAlive.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a KeepAlive message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.KeepAlive
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.KeepAlive & cpsbackup.KeepAlive.$Shape} KeepAlive
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        KeepAlive.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.KeepAlive();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                reader.skipType(tag & 7, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return KeepAlive;
    })();

    cpsbackup.StorageWait = (function() {

        /**
         * Properties of a StorageWait.
         * @typedef {Object} cpsbackup.StorageWait.$Properties
         * @property {boolean|null} [waiting] StorageWait waiting
         * @property {number|Long|null} [sinceMs] StorageWait sinceMs
         * @property {number|null} [attempts] StorageWait attempts
         * @property {number|null} [retryTimeS] StorageWait retryTimeS
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a StorageWait.
         * @memberof cpsbackup
         * @interface IStorageWait
         * @augments cpsbackup.StorageWait.$Properties
         * @deprecated Use cpsbackup.StorageWait.$Properties instead.
         */

        /**
         * Shape of a StorageWait.
         * @typedef {cpsbackup.StorageWait.$Properties} cpsbackup.StorageWait.$Shape
         */

        /**
         * Constructs a new StorageWait.
         * @memberof cpsbackup
         * @classdesc Represents a StorageWait.
         * @constructor
         * @param {cpsbackup.StorageWait.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var StorageWait = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * StorageWait waiting.
         * @member {boolean} waiting
         * @memberof cpsbackup.StorageWait
         * @instance
         */
        StorageWait.prototype.waiting = false;

        /**
         * StorageWait sinceMs.
         * @member {number|Long} sinceMs
         * @memberof cpsbackup.StorageWait
         * @instance
         */
        StorageWait.prototype.sinceMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * StorageWait attempts.
         * @member {number} attempts
         * @memberof cpsbackup.StorageWait
         * @instance
         */
        StorageWait.prototype.attempts = 0;

        /**
         * StorageWait retryTimeS.
         * @member {number} retryTimeS
         * @memberof cpsbackup.StorageWait
         * @instance
         */
        StorageWait.prototype.retryTimeS = 0;

        /**
         * Creates a new StorageWait instance using the specified properties.
         * @function create
         * @memberof cpsbackup.StorageWait
         * @static
         * @param {cpsbackup.StorageWait.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.StorageWait} StorageWait instance
         * @type {{
         *   (properties: cpsbackup.StorageWait.$Shape): cpsbackup.StorageWait & cpsbackup.StorageWait.$Shape;
         *   (properties?: cpsbackup.StorageWait.$Properties): cpsbackup.StorageWait;
         * }}
         */
        StorageWait.create = function(properties) {
            return new StorageWait(properties);
        };

        /**
         * Encodes the specified StorageWait message. Does not implicitly {@link cpsbackup.StorageWait.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.StorageWait
         * @static
         * @param {cpsbackup.StorageWait.$Properties} message StorageWait message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        StorageWait.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.waiting != null && $Object.hasOwnProperty.call(message, "waiting") && message.waiting !== false)
                writer.uint32(/* id 1, wireType 0 =*/8).bool(message.waiting);
            if (message.sinceMs != null && $Object.hasOwnProperty.call(message, "sinceMs") && (typeof message.sinceMs === "object" ? message.sinceMs.low || message.sinceMs.high : message.sinceMs !== 0))
                writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.sinceMs);
            if (message.attempts != null && $Object.hasOwnProperty.call(message, "attempts") && message.attempts !== 0)
                writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.attempts);
            if (message.retryTimeS != null && $Object.hasOwnProperty.call(message, "retryTimeS") && message.retryTimeS !== 0)
                writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.retryTimeS);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a StorageWait message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.StorageWait
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.StorageWait & cpsbackup.StorageWait.$Shape} StorageWait
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        StorageWait.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.StorageWait();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.waiting = value;
                        else
                            delete message.waiting;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.sinceMs = value;
                        else
                            delete message.sinceMs;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.attempts = value;
                        else
                            delete message.attempts;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.retryTimeS = value;
                        else
                            delete message.retryTimeS;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return StorageWait;
    })();

    cpsbackup.ChunkerParams = (function() {

        /**
         * Properties of a ChunkerParams.
         * @typedef {Object} cpsbackup.ChunkerParams.$Properties
         * @property {number|null} [minSize] ChunkerParams minSize
         * @property {number|null} [avgSize] ChunkerParams avgSize
         * @property {number|null} [maxSize] ChunkerParams maxSize
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ChunkerParams.
         * @memberof cpsbackup
         * @interface IChunkerParams
         * @augments cpsbackup.ChunkerParams.$Properties
         * @deprecated Use cpsbackup.ChunkerParams.$Properties instead.
         */

        /**
         * Shape of a ChunkerParams.
         * @typedef {cpsbackup.ChunkerParams.$Properties} cpsbackup.ChunkerParams.$Shape
         */

        /**
         * Constructs a new ChunkerParams.
         * @memberof cpsbackup
         * @classdesc Represents a ChunkerParams.
         * @constructor
         * @param {cpsbackup.ChunkerParams.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var ChunkerParams = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ChunkerParams minSize.
         * @member {number} minSize
         * @memberof cpsbackup.ChunkerParams
         * @instance
         */
        ChunkerParams.prototype.minSize = 0;

        /**
         * ChunkerParams avgSize.
         * @member {number} avgSize
         * @memberof cpsbackup.ChunkerParams
         * @instance
         */
        ChunkerParams.prototype.avgSize = 0;

        /**
         * ChunkerParams maxSize.
         * @member {number} maxSize
         * @memberof cpsbackup.ChunkerParams
         * @instance
         */
        ChunkerParams.prototype.maxSize = 0;

        /**
         * Creates a new ChunkerParams instance using the specified properties.
         * @function create
         * @memberof cpsbackup.ChunkerParams
         * @static
         * @param {cpsbackup.ChunkerParams.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.ChunkerParams} ChunkerParams instance
         * @type {{
         *   (properties: cpsbackup.ChunkerParams.$Shape): cpsbackup.ChunkerParams & cpsbackup.ChunkerParams.$Shape;
         *   (properties?: cpsbackup.ChunkerParams.$Properties): cpsbackup.ChunkerParams;
         * }}
         */
        ChunkerParams.create = function(properties) {
            return new ChunkerParams(properties);
        };

        /**
         * Encodes the specified ChunkerParams message. Does not implicitly {@link cpsbackup.ChunkerParams.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.ChunkerParams
         * @static
         * @param {cpsbackup.ChunkerParams.$Properties} message ChunkerParams message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ChunkerParams.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.minSize != null && $Object.hasOwnProperty.call(message, "minSize") && message.minSize !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.minSize);
            if (message.avgSize != null && $Object.hasOwnProperty.call(message, "avgSize") && message.avgSize !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.avgSize);
            if (message.maxSize != null && $Object.hasOwnProperty.call(message, "maxSize") && message.maxSize !== 0)
                writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.maxSize);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ChunkerParams message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.ChunkerParams
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.ChunkerParams & cpsbackup.ChunkerParams.$Shape} ChunkerParams
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ChunkerParams.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.ChunkerParams();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.minSize = value;
                        else
                            delete message.minSize;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.avgSize = value;
                        else
                            delete message.avgSize;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.maxSize = value;
                        else
                            delete message.maxSize;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ChunkerParams;
    })();

    cpsbackup.Error = (function() {

        /**
         * Properties of an Error.
         * @typedef {Object} cpsbackup.Error.$Properties
         * @property {string|null} [code] Error code
         * @property {string|null} [message] Error message
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an Error.
         * @memberof cpsbackup
         * @interface IError
         * @augments cpsbackup.Error.$Properties
         * @deprecated Use cpsbackup.Error.$Properties instead.
         */

        /**
         * Shape of an Error.
         * @typedef {cpsbackup.Error.$Properties} cpsbackup.Error.$Shape
         */

        /**
         * Constructs a new Error.
         * @memberof cpsbackup
         * @classdesc Represents an Error.
         * @constructor
         * @param {cpsbackup.Error.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var Error = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Error code.
         * @member {string} code
         * @memberof cpsbackup.Error
         * @instance
         */
        Error.prototype.code = "";

        /**
         * Error message.
         * @member {string} message
         * @memberof cpsbackup.Error
         * @instance
         */
        Error.prototype.message = "";

        /**
         * Creates a new Error instance using the specified properties.
         * @function create
         * @memberof cpsbackup.Error
         * @static
         * @param {cpsbackup.Error.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.Error} Error instance
         * @type {{
         *   (properties: cpsbackup.Error.$Shape): cpsbackup.Error & cpsbackup.Error.$Shape;
         *   (properties?: cpsbackup.Error.$Properties): cpsbackup.Error;
         * }}
         */
        Error.create = function(properties) {
            return new Error(properties);
        };

        /**
         * Encodes the specified Error message. Does not implicitly {@link cpsbackup.Error.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.Error
         * @static
         * @param {cpsbackup.Error.$Properties} message Error message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Error.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.code != null && $Object.hasOwnProperty.call(message, "code") && message.code !== "")
                writer.uint32(/* id 1, wireType 2 =*/10).string(message.code);
            if (message.message != null && $Object.hasOwnProperty.call(message, "message") && message.message !== "")
                writer.uint32(/* id 2, wireType 2 =*/18).string(message.message);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an Error message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.Error
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.Error & cpsbackup.Error.$Shape} Error
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Error.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.Error();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.code = value;
                        else
                            delete message.code;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.message = value;
                        else
                            delete message.message;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return Error;
    })();

    cpsbackup.BeginBackup = (function() {

        /**
         * Properties of a BeginBackup.
         * @typedef {Object} cpsbackup.BeginBackup.$Properties
         * @property {string|null} [name] BeginBackup name
         * @property {string|null} [description] BeginBackup description
         * @property {boolean|null} [full] BeginBackup full
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a BeginBackup.
         * @memberof cpsbackup
         * @interface IBeginBackup
         * @augments cpsbackup.BeginBackup.$Properties
         * @deprecated Use cpsbackup.BeginBackup.$Properties instead.
         */

        /**
         * Shape of a BeginBackup.
         * @typedef {cpsbackup.BeginBackup.$Properties} cpsbackup.BeginBackup.$Shape
         */

        /**
         * Constructs a new BeginBackup.
         * @memberof cpsbackup
         * @classdesc Represents a BeginBackup.
         * @constructor
         * @param {cpsbackup.BeginBackup.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var BeginBackup = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * BeginBackup name.
         * @member {string} name
         * @memberof cpsbackup.BeginBackup
         * @instance
         */
        BeginBackup.prototype.name = "";

        /**
         * BeginBackup description.
         * @member {string} description
         * @memberof cpsbackup.BeginBackup
         * @instance
         */
        BeginBackup.prototype.description = "";

        /**
         * BeginBackup full.
         * @member {boolean} full
         * @memberof cpsbackup.BeginBackup
         * @instance
         */
        BeginBackup.prototype.full = false;

        /**
         * Creates a new BeginBackup instance using the specified properties.
         * @function create
         * @memberof cpsbackup.BeginBackup
         * @static
         * @param {cpsbackup.BeginBackup.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.BeginBackup} BeginBackup instance
         * @type {{
         *   (properties: cpsbackup.BeginBackup.$Shape): cpsbackup.BeginBackup & cpsbackup.BeginBackup.$Shape;
         *   (properties?: cpsbackup.BeginBackup.$Properties): cpsbackup.BeginBackup;
         * }}
         */
        BeginBackup.create = function(properties) {
            return new BeginBackup(properties);
        };

        /**
         * Encodes the specified BeginBackup message. Does not implicitly {@link cpsbackup.BeginBackup.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.BeginBackup
         * @static
         * @param {cpsbackup.BeginBackup.$Properties} message BeginBackup message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        BeginBackup.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                writer.uint32(/* id 1, wireType 2 =*/10).string(message.name);
            if (message.description != null && $Object.hasOwnProperty.call(message, "description") && message.description !== "")
                writer.uint32(/* id 2, wireType 2 =*/18).string(message.description);
            if (message.full != null && $Object.hasOwnProperty.call(message, "full") && message.full !== false)
                writer.uint32(/* id 3, wireType 0 =*/24).bool(message.full);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a BeginBackup message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.BeginBackup
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.BeginBackup & cpsbackup.BeginBackup.$Shape} BeginBackup
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        BeginBackup.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.BeginBackup();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.name = value;
                        else
                            delete message.name;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.description = value;
                        else
                            delete message.description;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.full = value;
                        else
                            delete message.full;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return BeginBackup;
    })();

    cpsbackup.BackupStarted = (function() {

        /**
         * Properties of a BackupStarted.
         * @typedef {Object} cpsbackup.BackupStarted.$Properties
         * @property {number|Long|null} [number] BackupStarted number
         * @property {number|Long|null} [parentNumber] BackupStarted parentNumber
         * @property {number|Long|null} [parentBytes] BackupStarted parentBytes
         * @property {Array.<Uint8Array>|null} [parentRoot] BackupStarted parentRoot
         * @property {number|null} [parentFormat] BackupStarted parentFormat
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a BackupStarted.
         * @memberof cpsbackup
         * @interface IBackupStarted
         * @augments cpsbackup.BackupStarted.$Properties
         * @deprecated Use cpsbackup.BackupStarted.$Properties instead.
         */

        /**
         * Shape of a BackupStarted.
         * @typedef {cpsbackup.BackupStarted.$Properties} cpsbackup.BackupStarted.$Shape
         */

        /**
         * Constructs a new BackupStarted.
         * @memberof cpsbackup
         * @classdesc Represents a BackupStarted.
         * @constructor
         * @param {cpsbackup.BackupStarted.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var BackupStarted = function (properties) {
            this.parentRoot = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * BackupStarted number.
         * @member {number|Long} number
         * @memberof cpsbackup.BackupStarted
         * @instance
         */
        BackupStarted.prototype.number = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupStarted parentNumber.
         * @member {number|Long} parentNumber
         * @memberof cpsbackup.BackupStarted
         * @instance
         */
        BackupStarted.prototype.parentNumber = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupStarted parentBytes.
         * @member {number|Long} parentBytes
         * @memberof cpsbackup.BackupStarted
         * @instance
         */
        BackupStarted.prototype.parentBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupStarted parentRoot.
         * @member {Array.<Uint8Array>} parentRoot
         * @memberof cpsbackup.BackupStarted
         * @instance
         */
        BackupStarted.prototype.parentRoot = $util.emptyArray;

        /**
         * BackupStarted parentFormat.
         * @member {number} parentFormat
         * @memberof cpsbackup.BackupStarted
         * @instance
         */
        BackupStarted.prototype.parentFormat = 0;

        /**
         * Creates a new BackupStarted instance using the specified properties.
         * @function create
         * @memberof cpsbackup.BackupStarted
         * @static
         * @param {cpsbackup.BackupStarted.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.BackupStarted} BackupStarted instance
         * @type {{
         *   (properties: cpsbackup.BackupStarted.$Shape): cpsbackup.BackupStarted & cpsbackup.BackupStarted.$Shape;
         *   (properties?: cpsbackup.BackupStarted.$Properties): cpsbackup.BackupStarted;
         * }}
         */
        BackupStarted.create = function(properties) {
            return new BackupStarted(properties);
        };

        /**
         * Encodes the specified BackupStarted message. Does not implicitly {@link cpsbackup.BackupStarted.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.BackupStarted
         * @static
         * @param {cpsbackup.BackupStarted.$Properties} message BackupStarted message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        BackupStarted.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.number != null && $Object.hasOwnProperty.call(message, "number") && (typeof message.number === "object" ? message.number.low || message.number.high : message.number !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.number);
            if (message.parentNumber != null && $Object.hasOwnProperty.call(message, "parentNumber") && (typeof message.parentNumber === "object" ? message.parentNumber.low || message.parentNumber.high : message.parentNumber !== 0))
                writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.parentNumber);
            if (message.parentBytes != null && $Object.hasOwnProperty.call(message, "parentBytes") && (typeof message.parentBytes === "object" ? message.parentBytes.low || message.parentBytes.high : message.parentBytes !== 0))
                writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.parentBytes);
            if (message.parentRoot != null && message.parentRoot.length)
                for (var i = 0; i < message.parentRoot.length; ++i)
                    writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.parentRoot[i]);
            if (message.parentFormat != null && $Object.hasOwnProperty.call(message, "parentFormat") && message.parentFormat !== 0)
                writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.parentFormat);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a BackupStarted message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.BackupStarted
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.BackupStarted & cpsbackup.BackupStarted.$Shape} BackupStarted
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        BackupStarted.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.BackupStarted();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.number = value;
                        else
                            delete message.number;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.parentNumber = value;
                        else
                            delete message.parentNumber;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.parentBytes = value;
                        else
                            delete message.parentBytes;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if (!(message.parentRoot && message.parentRoot.length))
                            message.parentRoot = [];
                        message.parentRoot.push(reader.bytes());
                        continue;
                    }
                case 5: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.parentFormat = value;
                        else
                            delete message.parentFormat;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return BackupStarted;
    })();

    cpsbackup.MissingQuery = (function() {

        /**
         * Properties of a MissingQuery.
         * @typedef {Object} cpsbackup.MissingQuery.$Properties
         * @property {number|Long|null} [queryId] MissingQuery queryId
         * @property {Array.<Uint8Array>|null} [ids] MissingQuery ids
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a MissingQuery.
         * @memberof cpsbackup
         * @interface IMissingQuery
         * @augments cpsbackup.MissingQuery.$Properties
         * @deprecated Use cpsbackup.MissingQuery.$Properties instead.
         */

        /**
         * Shape of a MissingQuery.
         * @typedef {cpsbackup.MissingQuery.$Properties} cpsbackup.MissingQuery.$Shape
         */

        /**
         * Constructs a new MissingQuery.
         * @memberof cpsbackup
         * @classdesc Represents a MissingQuery.
         * @constructor
         * @param {cpsbackup.MissingQuery.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var MissingQuery = function (properties) {
            this.ids = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * MissingQuery queryId.
         * @member {number|Long} queryId
         * @memberof cpsbackup.MissingQuery
         * @instance
         */
        MissingQuery.prototype.queryId = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * MissingQuery ids.
         * @member {Array.<Uint8Array>} ids
         * @memberof cpsbackup.MissingQuery
         * @instance
         */
        MissingQuery.prototype.ids = $util.emptyArray;

        /**
         * Creates a new MissingQuery instance using the specified properties.
         * @function create
         * @memberof cpsbackup.MissingQuery
         * @static
         * @param {cpsbackup.MissingQuery.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.MissingQuery} MissingQuery instance
         * @type {{
         *   (properties: cpsbackup.MissingQuery.$Shape): cpsbackup.MissingQuery & cpsbackup.MissingQuery.$Shape;
         *   (properties?: cpsbackup.MissingQuery.$Properties): cpsbackup.MissingQuery;
         * }}
         */
        MissingQuery.create = function(properties) {
            return new MissingQuery(properties);
        };

        /**
         * Encodes the specified MissingQuery message. Does not implicitly {@link cpsbackup.MissingQuery.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.MissingQuery
         * @static
         * @param {cpsbackup.MissingQuery.$Properties} message MissingQuery message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        MissingQuery.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.queryId != null && $Object.hasOwnProperty.call(message, "queryId") && (typeof message.queryId === "object" ? message.queryId.low || message.queryId.high : message.queryId !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.queryId);
            if (message.ids != null && message.ids.length)
                for (var i = 0; i < message.ids.length; ++i)
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.ids[i]);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a MissingQuery message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.MissingQuery
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.MissingQuery & cpsbackup.MissingQuery.$Shape} MissingQuery
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        MissingQuery.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.MissingQuery();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.queryId = value;
                        else
                            delete message.queryId;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if (!(message.ids && message.ids.length))
                            message.ids = [];
                        message.ids.push(reader.bytes());
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return MissingQuery;
    })();

    cpsbackup.MissingReply = (function() {

        /**
         * Properties of a MissingReply.
         * @typedef {Object} cpsbackup.MissingReply.$Properties
         * @property {number|Long|null} [queryId] MissingReply queryId
         * @property {Array.<number>|null} [missing] MissingReply missing
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a MissingReply.
         * @memberof cpsbackup
         * @interface IMissingReply
         * @augments cpsbackup.MissingReply.$Properties
         * @deprecated Use cpsbackup.MissingReply.$Properties instead.
         */

        /**
         * Shape of a MissingReply.
         * @typedef {cpsbackup.MissingReply.$Properties} cpsbackup.MissingReply.$Shape
         */

        /**
         * Constructs a new MissingReply.
         * @memberof cpsbackup
         * @classdesc Represents a MissingReply.
         * @constructor
         * @param {cpsbackup.MissingReply.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var MissingReply = function (properties) {
            this.missing = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * MissingReply queryId.
         * @member {number|Long} queryId
         * @memberof cpsbackup.MissingReply
         * @instance
         */
        MissingReply.prototype.queryId = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * MissingReply missing.
         * @member {Array.<number>} missing
         * @memberof cpsbackup.MissingReply
         * @instance
         */
        MissingReply.prototype.missing = $util.emptyArray;

        /**
         * Creates a new MissingReply instance using the specified properties.
         * @function create
         * @memberof cpsbackup.MissingReply
         * @static
         * @param {cpsbackup.MissingReply.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.MissingReply} MissingReply instance
         * @type {{
         *   (properties: cpsbackup.MissingReply.$Shape): cpsbackup.MissingReply & cpsbackup.MissingReply.$Shape;
         *   (properties?: cpsbackup.MissingReply.$Properties): cpsbackup.MissingReply;
         * }}
         */
        MissingReply.create = function(properties) {
            return new MissingReply(properties);
        };

        /**
         * Encodes the specified MissingReply message. Does not implicitly {@link cpsbackup.MissingReply.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.MissingReply
         * @static
         * @param {cpsbackup.MissingReply.$Properties} message MissingReply message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        MissingReply.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.queryId != null && $Object.hasOwnProperty.call(message, "queryId") && (typeof message.queryId === "object" ? message.queryId.low || message.queryId.high : message.queryId !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.queryId);
            if (message.missing != null && message.missing.length)
                writer.uint32(/* id 2, wireType 2 =*/18).uint32s(message.missing);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a MissingReply message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.MissingReply
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.MissingReply & cpsbackup.MissingReply.$Shape} MissingReply
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        MissingReply.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.MissingReply();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.queryId = value;
                        else
                            delete message.queryId;
                        continue;
                    }
                case 2: {
                        if (wireType === 2) {
                            if (!(message.missing && message.missing.length))
                                message.missing = [];
                            reader.uint32s(message.missing);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.missing && message.missing.length))
                            message.missing = [];
                        message.missing.push(reader.uint32());
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return MissingReply;
    })();

    cpsbackup.Chunk = (function() {

        /**
         * Properties of a Chunk.
         * @typedef {Object} cpsbackup.Chunk.$Properties
         * @property {Uint8Array|null} [id] Chunk id
         * @property {number|null} [codec] Chunk codec
         * @property {number|null} [rawLength] Chunk rawLength
         * @property {Uint8Array|null} [payload] Chunk payload
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a Chunk.
         * @memberof cpsbackup
         * @interface IChunk
         * @augments cpsbackup.Chunk.$Properties
         * @deprecated Use cpsbackup.Chunk.$Properties instead.
         */

        /**
         * Shape of a Chunk.
         * @typedef {cpsbackup.Chunk.$Properties} cpsbackup.Chunk.$Shape
         */

        /**
         * Constructs a new Chunk.
         * @memberof cpsbackup
         * @classdesc Represents a Chunk.
         * @constructor
         * @param {cpsbackup.Chunk.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var Chunk = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Chunk id.
         * @member {Uint8Array} id
         * @memberof cpsbackup.Chunk
         * @instance
         */
        Chunk.prototype.id = $util.newBuffer([]);

        /**
         * Chunk codec.
         * @member {number} codec
         * @memberof cpsbackup.Chunk
         * @instance
         */
        Chunk.prototype.codec = 0;

        /**
         * Chunk rawLength.
         * @member {number} rawLength
         * @memberof cpsbackup.Chunk
         * @instance
         */
        Chunk.prototype.rawLength = 0;

        /**
         * Chunk payload.
         * @member {Uint8Array} payload
         * @memberof cpsbackup.Chunk
         * @instance
         */
        Chunk.prototype.payload = $util.newBuffer([]);

        /**
         * Creates a new Chunk instance using the specified properties.
         * @function create
         * @memberof cpsbackup.Chunk
         * @static
         * @param {cpsbackup.Chunk.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.Chunk} Chunk instance
         * @type {{
         *   (properties: cpsbackup.Chunk.$Shape): cpsbackup.Chunk & cpsbackup.Chunk.$Shape;
         *   (properties?: cpsbackup.Chunk.$Properties): cpsbackup.Chunk;
         * }}
         */
        Chunk.create = function(properties) {
            return new Chunk(properties);
        };

        /**
         * Encodes the specified Chunk message. Does not implicitly {@link cpsbackup.Chunk.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.Chunk
         * @static
         * @param {cpsbackup.Chunk.$Properties} message Chunk message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Chunk.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.id);
            if (message.codec != null && $Object.hasOwnProperty.call(message, "codec") && message.codec !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.codec);
            if (message.rawLength != null && $Object.hasOwnProperty.call(message, "rawLength") && message.rawLength !== 0)
                writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.rawLength);
            if (message.payload != null && $Object.hasOwnProperty.call(message, "payload") && message.payload.length)
                writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.payload);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a Chunk message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.Chunk
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.Chunk & cpsbackup.Chunk.$Shape} Chunk
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Chunk.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.Chunk();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.id = value;
                        else
                            delete message.id;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.codec = value;
                        else
                            delete message.codec;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.rawLength = value;
                        else
                            delete message.rawLength;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.payload = value;
                        else
                            delete message.payload;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return Chunk;
    })();

    cpsbackup.ListingChunk = (function() {

        /**
         * Properties of a ListingChunk.
         * @typedef {Object} cpsbackup.ListingChunk.$Properties
         * @property {Uint8Array|null} [id] ListingChunk id
         * @property {number|null} [codec] ListingChunk codec
         * @property {number|null} [rawLength] ListingChunk rawLength
         * @property {Uint8Array|null} [payload] ListingChunk payload
         * @property {Uint8Array|null} [refs] ListingChunk refs
         * @property {number|null} [listingRefs] ListingChunk listingRefs
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ListingChunk.
         * @memberof cpsbackup
         * @interface IListingChunk
         * @augments cpsbackup.ListingChunk.$Properties
         * @deprecated Use cpsbackup.ListingChunk.$Properties instead.
         */

        /**
         * Shape of a ListingChunk.
         * @typedef {cpsbackup.ListingChunk.$Properties} cpsbackup.ListingChunk.$Shape
         */

        /**
         * Constructs a new ListingChunk.
         * @memberof cpsbackup
         * @classdesc Represents a ListingChunk.
         * @constructor
         * @param {cpsbackup.ListingChunk.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var ListingChunk = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ListingChunk id.
         * @member {Uint8Array} id
         * @memberof cpsbackup.ListingChunk
         * @instance
         */
        ListingChunk.prototype.id = $util.newBuffer([]);

        /**
         * ListingChunk codec.
         * @member {number} codec
         * @memberof cpsbackup.ListingChunk
         * @instance
         */
        ListingChunk.prototype.codec = 0;

        /**
         * ListingChunk rawLength.
         * @member {number} rawLength
         * @memberof cpsbackup.ListingChunk
         * @instance
         */
        ListingChunk.prototype.rawLength = 0;

        /**
         * ListingChunk payload.
         * @member {Uint8Array} payload
         * @memberof cpsbackup.ListingChunk
         * @instance
         */
        ListingChunk.prototype.payload = $util.newBuffer([]);

        /**
         * ListingChunk refs.
         * @member {Uint8Array} refs
         * @memberof cpsbackup.ListingChunk
         * @instance
         */
        ListingChunk.prototype.refs = $util.newBuffer([]);

        /**
         * ListingChunk listingRefs.
         * @member {number} listingRefs
         * @memberof cpsbackup.ListingChunk
         * @instance
         */
        ListingChunk.prototype.listingRefs = 0;

        /**
         * Creates a new ListingChunk instance using the specified properties.
         * @function create
         * @memberof cpsbackup.ListingChunk
         * @static
         * @param {cpsbackup.ListingChunk.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.ListingChunk} ListingChunk instance
         * @type {{
         *   (properties: cpsbackup.ListingChunk.$Shape): cpsbackup.ListingChunk & cpsbackup.ListingChunk.$Shape;
         *   (properties?: cpsbackup.ListingChunk.$Properties): cpsbackup.ListingChunk;
         * }}
         */
        ListingChunk.create = function(properties) {
            return new ListingChunk(properties);
        };

        /**
         * Encodes the specified ListingChunk message. Does not implicitly {@link cpsbackup.ListingChunk.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.ListingChunk
         * @static
         * @param {cpsbackup.ListingChunk.$Properties} message ListingChunk message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ListingChunk.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.id);
            if (message.codec != null && $Object.hasOwnProperty.call(message, "codec") && message.codec !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.codec);
            if (message.rawLength != null && $Object.hasOwnProperty.call(message, "rawLength") && message.rawLength !== 0)
                writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.rawLength);
            if (message.payload != null && $Object.hasOwnProperty.call(message, "payload") && message.payload.length)
                writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.payload);
            if (message.refs != null && $Object.hasOwnProperty.call(message, "refs") && message.refs.length)
                writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.refs);
            if (message.listingRefs != null && $Object.hasOwnProperty.call(message, "listingRefs") && message.listingRefs !== 0)
                writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.listingRefs);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ListingChunk message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.ListingChunk
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.ListingChunk & cpsbackup.ListingChunk.$Shape} ListingChunk
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ListingChunk.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.ListingChunk();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.id = value;
                        else
                            delete message.id;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.codec = value;
                        else
                            delete message.codec;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.rawLength = value;
                        else
                            delete message.rawLength;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.payload = value;
                        else
                            delete message.payload;
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.refs = value;
                        else
                            delete message.refs;
                        continue;
                    }
                case 6: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.listingRefs = value;
                        else
                            delete message.listingRefs;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ListingChunk;
    })();

    cpsbackup.Warning = (function() {

        /**
         * Properties of a Warning.
         * @typedef {Object} cpsbackup.Warning.$Properties
         * @property {string|null} [message] Warning message
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a Warning.
         * @memberof cpsbackup
         * @interface IWarning
         * @augments cpsbackup.Warning.$Properties
         * @deprecated Use cpsbackup.Warning.$Properties instead.
         */

        /**
         * Shape of a Warning.
         * @typedef {cpsbackup.Warning.$Properties} cpsbackup.Warning.$Shape
         */

        /**
         * Constructs a new Warning.
         * @memberof cpsbackup
         * @classdesc Represents a Warning.
         * @constructor
         * @param {cpsbackup.Warning.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var Warning = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Warning message.
         * @member {string} message
         * @memberof cpsbackup.Warning
         * @instance
         */
        Warning.prototype.message = "";

        /**
         * Creates a new Warning instance using the specified properties.
         * @function create
         * @memberof cpsbackup.Warning
         * @static
         * @param {cpsbackup.Warning.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.Warning} Warning instance
         * @type {{
         *   (properties: cpsbackup.Warning.$Shape): cpsbackup.Warning & cpsbackup.Warning.$Shape;
         *   (properties?: cpsbackup.Warning.$Properties): cpsbackup.Warning;
         * }}
         */
        Warning.create = function(properties) {
            return new Warning(properties);
        };

        /**
         * Encodes the specified Warning message. Does not implicitly {@link cpsbackup.Warning.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.Warning
         * @static
         * @param {cpsbackup.Warning.$Properties} message Warning message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Warning.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.message != null && $Object.hasOwnProperty.call(message, "message") && message.message !== "")
                writer.uint32(/* id 1, wireType 2 =*/10).string(message.message);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a Warning message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.Warning
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.Warning & cpsbackup.Warning.$Shape} Warning
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Warning.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.Warning();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.message = value;
                        else
                            delete message.message;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return Warning;
    })();

    cpsbackup.EndBackup = (function() {

        /**
         * Properties of an EndBackup.
         * @typedef {Object} cpsbackup.EndBackup.$Properties
         * @property {Array.<string>|null} [partialReasons] EndBackup partialReasons
         * @property {Array.<Uint8Array>|null} [root] EndBackup root
         * @property {number|Long|null} [fileCount] EndBackup fileCount
         * @property {number|Long|null} [logicalBytes] EndBackup logicalBytes
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an EndBackup.
         * @memberof cpsbackup
         * @interface IEndBackup
         * @augments cpsbackup.EndBackup.$Properties
         * @deprecated Use cpsbackup.EndBackup.$Properties instead.
         */

        /**
         * Shape of an EndBackup.
         * @typedef {cpsbackup.EndBackup.$Properties} cpsbackup.EndBackup.$Shape
         */

        /**
         * Constructs a new EndBackup.
         * @memberof cpsbackup
         * @classdesc Represents an EndBackup.
         * @constructor
         * @param {cpsbackup.EndBackup.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var EndBackup = function (properties) {
            this.partialReasons = [];
            this.root = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * EndBackup partialReasons.
         * @member {Array.<string>} partialReasons
         * @memberof cpsbackup.EndBackup
         * @instance
         */
        EndBackup.prototype.partialReasons = $util.emptyArray;

        /**
         * EndBackup root.
         * @member {Array.<Uint8Array>} root
         * @memberof cpsbackup.EndBackup
         * @instance
         */
        EndBackup.prototype.root = $util.emptyArray;

        /**
         * EndBackup fileCount.
         * @member {number|Long} fileCount
         * @memberof cpsbackup.EndBackup
         * @instance
         */
        EndBackup.prototype.fileCount = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * EndBackup logicalBytes.
         * @member {number|Long} logicalBytes
         * @memberof cpsbackup.EndBackup
         * @instance
         */
        EndBackup.prototype.logicalBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Creates a new EndBackup instance using the specified properties.
         * @function create
         * @memberof cpsbackup.EndBackup
         * @static
         * @param {cpsbackup.EndBackup.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.EndBackup} EndBackup instance
         * @type {{
         *   (properties: cpsbackup.EndBackup.$Shape): cpsbackup.EndBackup & cpsbackup.EndBackup.$Shape;
         *   (properties?: cpsbackup.EndBackup.$Properties): cpsbackup.EndBackup;
         * }}
         */
        EndBackup.create = function(properties) {
            return new EndBackup(properties);
        };

        /**
         * Encodes the specified EndBackup message. Does not implicitly {@link cpsbackup.EndBackup.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.EndBackup
         * @static
         * @param {cpsbackup.EndBackup.$Properties} message EndBackup message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        EndBackup.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.partialReasons != null && message.partialReasons.length)
                for (var i = 0; i < message.partialReasons.length; ++i)
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.partialReasons[i]);
            if (message.root != null && message.root.length)
                for (var i = 0; i < message.root.length; ++i)
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.root[i]);
            if (message.fileCount != null && $Object.hasOwnProperty.call(message, "fileCount") && (typeof message.fileCount === "object" ? message.fileCount.low || message.fileCount.high : message.fileCount !== 0))
                writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.fileCount);
            if (message.logicalBytes != null && $Object.hasOwnProperty.call(message, "logicalBytes") && (typeof message.logicalBytes === "object" ? message.logicalBytes.low || message.logicalBytes.high : message.logicalBytes !== 0))
                writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.logicalBytes);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an EndBackup message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.EndBackup
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.EndBackup & cpsbackup.EndBackup.$Shape} EndBackup
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        EndBackup.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.EndBackup();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if (!(message.partialReasons && message.partialReasons.length))
                            message.partialReasons = [];
                        message.partialReasons.push(reader.stringVerify());
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if (!(message.root && message.root.length))
                            message.root = [];
                        message.root.push(reader.bytes());
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.fileCount = value;
                        else
                            delete message.fileCount;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.logicalBytes = value;
                        else
                            delete message.logicalBytes;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return EndBackup;
    })();

    cpsbackup.AbortBackup = (function() {

        /**
         * Properties of an AbortBackup.
         * @typedef {Object} cpsbackup.AbortBackup.$Properties
         * @property {string|null} [reason] AbortBackup reason
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an AbortBackup.
         * @memberof cpsbackup
         * @interface IAbortBackup
         * @augments cpsbackup.AbortBackup.$Properties
         * @deprecated Use cpsbackup.AbortBackup.$Properties instead.
         */

        /**
         * Shape of an AbortBackup.
         * @typedef {cpsbackup.AbortBackup.$Properties} cpsbackup.AbortBackup.$Shape
         */

        /**
         * Constructs a new AbortBackup.
         * @memberof cpsbackup
         * @classdesc Represents an AbortBackup.
         * @constructor
         * @param {cpsbackup.AbortBackup.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var AbortBackup = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * AbortBackup reason.
         * @member {string} reason
         * @memberof cpsbackup.AbortBackup
         * @instance
         */
        AbortBackup.prototype.reason = "";

        /**
         * Creates a new AbortBackup instance using the specified properties.
         * @function create
         * @memberof cpsbackup.AbortBackup
         * @static
         * @param {cpsbackup.AbortBackup.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.AbortBackup} AbortBackup instance
         * @type {{
         *   (properties: cpsbackup.AbortBackup.$Shape): cpsbackup.AbortBackup & cpsbackup.AbortBackup.$Shape;
         *   (properties?: cpsbackup.AbortBackup.$Properties): cpsbackup.AbortBackup;
         * }}
         */
        AbortBackup.create = function(properties) {
            return new AbortBackup(properties);
        };

        /**
         * Encodes the specified AbortBackup message. Does not implicitly {@link cpsbackup.AbortBackup.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.AbortBackup
         * @static
         * @param {cpsbackup.AbortBackup.$Properties} message AbortBackup message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        AbortBackup.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                writer.uint32(/* id 1, wireType 2 =*/10).string(message.reason);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an AbortBackup message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.AbortBackup
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.AbortBackup & cpsbackup.AbortBackup.$Shape} AbortBackup
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        AbortBackup.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.AbortBackup();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.reason = value;
                        else
                            delete message.reason;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return AbortBackup;
    })();

    cpsbackup.BackupDone = (function() {

        /**
         * Properties of a BackupDone.
         * @typedef {Object} cpsbackup.BackupDone.$Properties
         * @property {cpsbackup.BackupSummary.$Properties|null} [backup] BackupDone backup
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a BackupDone.
         * @memberof cpsbackup
         * @interface IBackupDone
         * @augments cpsbackup.BackupDone.$Properties
         * @deprecated Use cpsbackup.BackupDone.$Properties instead.
         */

        /**
         * Shape of a BackupDone.
         * @typedef {cpsbackup.BackupDone.$Properties} cpsbackup.BackupDone.$Shape
         */

        /**
         * Constructs a new BackupDone.
         * @memberof cpsbackup
         * @classdesc Represents a BackupDone.
         * @constructor
         * @param {cpsbackup.BackupDone.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var BackupDone = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * BackupDone backup.
         * @member {cpsbackup.BackupSummary.$Properties|null|undefined} backup
         * @memberof cpsbackup.BackupDone
         * @instance
         */
        BackupDone.prototype.backup = null;

        /**
         * Creates a new BackupDone instance using the specified properties.
         * @function create
         * @memberof cpsbackup.BackupDone
         * @static
         * @param {cpsbackup.BackupDone.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.BackupDone} BackupDone instance
         * @type {{
         *   (properties: cpsbackup.BackupDone.$Shape): cpsbackup.BackupDone & cpsbackup.BackupDone.$Shape;
         *   (properties?: cpsbackup.BackupDone.$Properties): cpsbackup.BackupDone;
         * }}
         */
        BackupDone.create = function(properties) {
            return new BackupDone(properties);
        };

        /**
         * Encodes the specified BackupDone message. Does not implicitly {@link cpsbackup.BackupDone.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.BackupDone
         * @static
         * @param {cpsbackup.BackupDone.$Properties} message BackupDone message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        BackupDone.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.backup != null && $Object.hasOwnProperty.call(message, "backup"))
                $root.cpsbackup.BackupSummary.encode(message.backup, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a BackupDone message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.BackupDone
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.BackupDone & cpsbackup.BackupDone.$Shape} BackupDone
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        BackupDone.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.BackupDone();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.backup = $root.cpsbackup.BackupSummary.decode(reader, reader.size(), $undefined, _depth + 1, message.backup);
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return BackupDone;
    })();

    cpsbackup.BackupSummary = (function() {

        /**
         * Properties of a BackupSummary.
         * @typedef {Object} cpsbackup.BackupSummary.$Properties
         * @property {number|Long|null} [number] BackupSummary number
         * @property {number|Long|null} [parentNumber] BackupSummary parentNumber
         * @property {string|null} [status] BackupSummary status
         * @property {string|null} [reason] BackupSummary reason
         * @property {string|null} [name] BackupSummary name
         * @property {string|null} [description] BackupSummary description
         * @property {number|Long|null} [startedAtMs] BackupSummary startedAtMs
         * @property {number|Long|null} [finishedAtMs] BackupSummary finishedAtMs
         * @property {number|Long|null} [fileCount] BackupSummary fileCount
         * @property {number|Long|null} [logicalBytes] BackupSummary logicalBytes
         * @property {number|Long|null} [newChunks] BackupSummary newChunks
         * @property {number|Long|null} [newRawBytes] BackupSummary newRawBytes
         * @property {number|Long|null} [newStoredBytes] BackupSummary newStoredBytes
         * @property {Array.<string>|null} [warnings] BackupSummary warnings
         * @property {number|Long|null} [warningCount] BackupSummary warningCount
         * @property {string|null} [partial] BackupSummary partial
         * @property {Uint8Array|null} [keyId] BackupSummary keyId
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a BackupSummary.
         * @memberof cpsbackup
         * @interface IBackupSummary
         * @augments cpsbackup.BackupSummary.$Properties
         * @deprecated Use cpsbackup.BackupSummary.$Properties instead.
         */

        /**
         * Shape of a BackupSummary.
         * @typedef {cpsbackup.BackupSummary.$Properties} cpsbackup.BackupSummary.$Shape
         */

        /**
         * Constructs a new BackupSummary.
         * @memberof cpsbackup
         * @classdesc Represents a BackupSummary.
         * @constructor
         * @param {cpsbackup.BackupSummary.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var BackupSummary = function (properties) {
            this.warnings = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * BackupSummary number.
         * @member {number|Long} number
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.number = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupSummary parentNumber.
         * @member {number|Long} parentNumber
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.parentNumber = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupSummary status.
         * @member {string} status
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.status = "";

        /**
         * BackupSummary reason.
         * @member {string} reason
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.reason = "";

        /**
         * BackupSummary name.
         * @member {string} name
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.name = "";

        /**
         * BackupSummary description.
         * @member {string} description
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.description = "";

        /**
         * BackupSummary startedAtMs.
         * @member {number|Long} startedAtMs
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.startedAtMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

        /**
         * BackupSummary finishedAtMs.
         * @member {number|Long} finishedAtMs
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.finishedAtMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

        /**
         * BackupSummary fileCount.
         * @member {number|Long} fileCount
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.fileCount = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupSummary logicalBytes.
         * @member {number|Long} logicalBytes
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.logicalBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupSummary newChunks.
         * @member {number|Long} newChunks
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.newChunks = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupSummary newRawBytes.
         * @member {number|Long} newRawBytes
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.newRawBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupSummary newStoredBytes.
         * @member {number|Long} newStoredBytes
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.newStoredBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupSummary warnings.
         * @member {Array.<string>} warnings
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.warnings = $util.emptyArray;

        /**
         * BackupSummary warningCount.
         * @member {number|Long} warningCount
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.warningCount = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * BackupSummary partial.
         * @member {string} partial
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.partial = "";

        /**
         * BackupSummary keyId.
         * @member {Uint8Array} keyId
         * @memberof cpsbackup.BackupSummary
         * @instance
         */
        BackupSummary.prototype.keyId = $util.newBuffer([]);

        /**
         * Creates a new BackupSummary instance using the specified properties.
         * @function create
         * @memberof cpsbackup.BackupSummary
         * @static
         * @param {cpsbackup.BackupSummary.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.BackupSummary} BackupSummary instance
         * @type {{
         *   (properties: cpsbackup.BackupSummary.$Shape): cpsbackup.BackupSummary & cpsbackup.BackupSummary.$Shape;
         *   (properties?: cpsbackup.BackupSummary.$Properties): cpsbackup.BackupSummary;
         * }}
         */
        BackupSummary.create = function(properties) {
            return new BackupSummary(properties);
        };

        /**
         * Encodes the specified BackupSummary message. Does not implicitly {@link cpsbackup.BackupSummary.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.BackupSummary
         * @static
         * @param {cpsbackup.BackupSummary.$Properties} message BackupSummary message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        BackupSummary.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.number != null && $Object.hasOwnProperty.call(message, "number") && (typeof message.number === "object" ? message.number.low || message.number.high : message.number !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.number);
            if (message.parentNumber != null && $Object.hasOwnProperty.call(message, "parentNumber") && (typeof message.parentNumber === "object" ? message.parentNumber.low || message.parentNumber.high : message.parentNumber !== 0))
                writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.parentNumber);
            if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== "")
                writer.uint32(/* id 3, wireType 2 =*/26).string(message.status);
            if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                writer.uint32(/* id 4, wireType 2 =*/34).string(message.reason);
            if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                writer.uint32(/* id 5, wireType 2 =*/42).string(message.name);
            if (message.description != null && $Object.hasOwnProperty.call(message, "description") && message.description !== "")
                writer.uint32(/* id 6, wireType 2 =*/50).string(message.description);
            if (message.startedAtMs != null && $Object.hasOwnProperty.call(message, "startedAtMs") && (typeof message.startedAtMs === "object" ? message.startedAtMs.low || message.startedAtMs.high : message.startedAtMs !== 0))
                writer.uint32(/* id 7, wireType 0 =*/56).int64(message.startedAtMs);
            if (message.finishedAtMs != null && $Object.hasOwnProperty.call(message, "finishedAtMs") && (typeof message.finishedAtMs === "object" ? message.finishedAtMs.low || message.finishedAtMs.high : message.finishedAtMs !== 0))
                writer.uint32(/* id 8, wireType 0 =*/64).int64(message.finishedAtMs);
            if (message.fileCount != null && $Object.hasOwnProperty.call(message, "fileCount") && (typeof message.fileCount === "object" ? message.fileCount.low || message.fileCount.high : message.fileCount !== 0))
                writer.uint32(/* id 9, wireType 0 =*/72).uint64(message.fileCount);
            if (message.logicalBytes != null && $Object.hasOwnProperty.call(message, "logicalBytes") && (typeof message.logicalBytes === "object" ? message.logicalBytes.low || message.logicalBytes.high : message.logicalBytes !== 0))
                writer.uint32(/* id 10, wireType 0 =*/80).uint64(message.logicalBytes);
            if (message.newChunks != null && $Object.hasOwnProperty.call(message, "newChunks") && (typeof message.newChunks === "object" ? message.newChunks.low || message.newChunks.high : message.newChunks !== 0))
                writer.uint32(/* id 11, wireType 0 =*/88).uint64(message.newChunks);
            if (message.newRawBytes != null && $Object.hasOwnProperty.call(message, "newRawBytes") && (typeof message.newRawBytes === "object" ? message.newRawBytes.low || message.newRawBytes.high : message.newRawBytes !== 0))
                writer.uint32(/* id 12, wireType 0 =*/96).uint64(message.newRawBytes);
            if (message.newStoredBytes != null && $Object.hasOwnProperty.call(message, "newStoredBytes") && (typeof message.newStoredBytes === "object" ? message.newStoredBytes.low || message.newStoredBytes.high : message.newStoredBytes !== 0))
                writer.uint32(/* id 13, wireType 0 =*/104).uint64(message.newStoredBytes);
            if (message.warnings != null && message.warnings.length)
                for (var i = 0; i < message.warnings.length; ++i)
                    writer.uint32(/* id 14, wireType 2 =*/114).string(message.warnings[i]);
            if (message.warningCount != null && $Object.hasOwnProperty.call(message, "warningCount") && (typeof message.warningCount === "object" ? message.warningCount.low || message.warningCount.high : message.warningCount !== 0))
                writer.uint32(/* id 15, wireType 0 =*/120).uint64(message.warningCount);
            if (message.partial != null && $Object.hasOwnProperty.call(message, "partial") && message.partial !== "")
                writer.uint32(/* id 16, wireType 2 =*/130).string(message.partial);
            if (message.keyId != null && $Object.hasOwnProperty.call(message, "keyId") && message.keyId.length)
                writer.uint32(/* id 17, wireType 2 =*/138).bytes(message.keyId);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a BackupSummary message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.BackupSummary
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.BackupSummary & cpsbackup.BackupSummary.$Shape} BackupSummary
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        BackupSummary.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.BackupSummary();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.number = value;
                        else
                            delete message.number;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.parentNumber = value;
                        else
                            delete message.parentNumber;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.status = value;
                        else
                            delete message.status;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.reason = value;
                        else
                            delete message.reason;
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.name = value;
                        else
                            delete message.name;
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.description = value;
                        else
                            delete message.description;
                        continue;
                    }
                case 7: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                            message.startedAtMs = value;
                        else
                            delete message.startedAtMs;
                        continue;
                    }
                case 8: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                            message.finishedAtMs = value;
                        else
                            delete message.finishedAtMs;
                        continue;
                    }
                case 9: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.fileCount = value;
                        else
                            delete message.fileCount;
                        continue;
                    }
                case 10: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.logicalBytes = value;
                        else
                            delete message.logicalBytes;
                        continue;
                    }
                case 11: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.newChunks = value;
                        else
                            delete message.newChunks;
                        continue;
                    }
                case 12: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.newRawBytes = value;
                        else
                            delete message.newRawBytes;
                        continue;
                    }
                case 13: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.newStoredBytes = value;
                        else
                            delete message.newStoredBytes;
                        continue;
                    }
                case 14: {
                        if (wireType !== 2)
                            break;
                        if (!(message.warnings && message.warnings.length))
                            message.warnings = [];
                        message.warnings.push(reader.stringVerify());
                        continue;
                    }
                case 15: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.warningCount = value;
                        else
                            delete message.warningCount;
                        continue;
                    }
                case 16: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.partial = value;
                        else
                            delete message.partial;
                        continue;
                    }
                case 17: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.keyId = value;
                        else
                            delete message.keyId;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return BackupSummary;
    })();

    cpsbackup.ListRequest = (function() {

        /**
         * Properties of a ListRequest.
         * @typedef {Object} cpsbackup.ListRequest.$Properties
         * @property {string|null} [client] ListRequest client
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ListRequest.
         * @memberof cpsbackup
         * @interface IListRequest
         * @augments cpsbackup.ListRequest.$Properties
         * @deprecated Use cpsbackup.ListRequest.$Properties instead.
         */

        /**
         * Shape of a ListRequest.
         * @typedef {cpsbackup.ListRequest.$Properties} cpsbackup.ListRequest.$Shape
         */

        /**
         * Constructs a new ListRequest.
         * @memberof cpsbackup
         * @classdesc Represents a ListRequest.
         * @constructor
         * @param {cpsbackup.ListRequest.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var ListRequest = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ListRequest client.
         * @member {string} client
         * @memberof cpsbackup.ListRequest
         * @instance
         */
        ListRequest.prototype.client = "";

        /**
         * Creates a new ListRequest instance using the specified properties.
         * @function create
         * @memberof cpsbackup.ListRequest
         * @static
         * @param {cpsbackup.ListRequest.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.ListRequest} ListRequest instance
         * @type {{
         *   (properties: cpsbackup.ListRequest.$Shape): cpsbackup.ListRequest & cpsbackup.ListRequest.$Shape;
         *   (properties?: cpsbackup.ListRequest.$Properties): cpsbackup.ListRequest;
         * }}
         */
        ListRequest.create = function(properties) {
            return new ListRequest(properties);
        };

        /**
         * Encodes the specified ListRequest message. Does not implicitly {@link cpsbackup.ListRequest.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.ListRequest
         * @static
         * @param {cpsbackup.ListRequest.$Properties} message ListRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ListRequest.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.client != null && $Object.hasOwnProperty.call(message, "client") && message.client !== "")
                writer.uint32(/* id 1, wireType 2 =*/10).string(message.client);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ListRequest message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.ListRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.ListRequest & cpsbackup.ListRequest.$Shape} ListRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ListRequest.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.ListRequest();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.client = value;
                        else
                            delete message.client;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ListRequest;
    })();

    cpsbackup.BackupList = (function() {

        /**
         * Properties of a BackupList.
         * @typedef {Object} cpsbackup.BackupList.$Properties
         * @property {Array.<cpsbackup.BackupSummary.$Properties>|null} [backups] BackupList backups
         * @property {cpsbackup.Usage.$Properties|null} [usage] BackupList usage
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a BackupList.
         * @memberof cpsbackup
         * @interface IBackupList
         * @augments cpsbackup.BackupList.$Properties
         * @deprecated Use cpsbackup.BackupList.$Properties instead.
         */

        /**
         * Shape of a BackupList.
         * @typedef {cpsbackup.BackupList.$Properties} cpsbackup.BackupList.$Shape
         */

        /**
         * Constructs a new BackupList.
         * @memberof cpsbackup
         * @classdesc Represents a BackupList.
         * @constructor
         * @param {cpsbackup.BackupList.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var BackupList = function (properties) {
            this.backups = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * BackupList backups.
         * @member {Array.<cpsbackup.BackupSummary.$Properties>} backups
         * @memberof cpsbackup.BackupList
         * @instance
         */
        BackupList.prototype.backups = $util.emptyArray;

        /**
         * BackupList usage.
         * @member {cpsbackup.Usage.$Properties|null|undefined} usage
         * @memberof cpsbackup.BackupList
         * @instance
         */
        BackupList.prototype.usage = null;

        /**
         * Creates a new BackupList instance using the specified properties.
         * @function create
         * @memberof cpsbackup.BackupList
         * @static
         * @param {cpsbackup.BackupList.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.BackupList} BackupList instance
         * @type {{
         *   (properties: cpsbackup.BackupList.$Shape): cpsbackup.BackupList & cpsbackup.BackupList.$Shape;
         *   (properties?: cpsbackup.BackupList.$Properties): cpsbackup.BackupList;
         * }}
         */
        BackupList.create = function(properties) {
            return new BackupList(properties);
        };

        /**
         * Encodes the specified BackupList message. Does not implicitly {@link cpsbackup.BackupList.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.BackupList
         * @static
         * @param {cpsbackup.BackupList.$Properties} message BackupList message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        BackupList.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.backups != null && message.backups.length)
                for (var i = 0; i < message.backups.length; ++i)
                    $root.cpsbackup.BackupSummary.encode(message.backups[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
            if (message.usage != null && $Object.hasOwnProperty.call(message, "usage"))
                $root.cpsbackup.Usage.encode(message.usage, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a BackupList message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.BackupList
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.BackupList & cpsbackup.BackupList.$Shape} BackupList
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        BackupList.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.BackupList();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if (!(message.backups && message.backups.length))
                            message.backups = [];
                        message.backups.push($root.cpsbackup.BackupSummary.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.usage = $root.cpsbackup.Usage.decode(reader, reader.size(), $undefined, _depth + 1, message.usage);
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return BackupList;
    })();

    cpsbackup.Usage = (function() {

        /**
         * Properties of a Usage.
         * @typedef {Object} cpsbackup.Usage.$Properties
         * @property {number|Long|null} [backups] Usage backups
         * @property {number|Long|null} [storedBytes] Usage storedBytes
         * @property {number|Long|null} [quotaBackups] Usage quotaBackups
         * @property {number|Long|null} [quotaBytes] Usage quotaBytes
         * @property {boolean|null} [canDelete] Usage canDelete
         * @property {boolean|null} [canRestore] Usage canRestore
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a Usage.
         * @memberof cpsbackup
         * @interface IUsage
         * @augments cpsbackup.Usage.$Properties
         * @deprecated Use cpsbackup.Usage.$Properties instead.
         */

        /**
         * Shape of a Usage.
         * @typedef {cpsbackup.Usage.$Properties} cpsbackup.Usage.$Shape
         */

        /**
         * Constructs a new Usage.
         * @memberof cpsbackup
         * @classdesc Represents a Usage.
         * @constructor
         * @param {cpsbackup.Usage.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var Usage = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Usage backups.
         * @member {number|Long} backups
         * @memberof cpsbackup.Usage
         * @instance
         */
        Usage.prototype.backups = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Usage storedBytes.
         * @member {number|Long} storedBytes
         * @memberof cpsbackup.Usage
         * @instance
         */
        Usage.prototype.storedBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Usage quotaBackups.
         * @member {number|Long} quotaBackups
         * @memberof cpsbackup.Usage
         * @instance
         */
        Usage.prototype.quotaBackups = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Usage quotaBytes.
         * @member {number|Long} quotaBytes
         * @memberof cpsbackup.Usage
         * @instance
         */
        Usage.prototype.quotaBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Usage canDelete.
         * @member {boolean} canDelete
         * @memberof cpsbackup.Usage
         * @instance
         */
        Usage.prototype.canDelete = false;

        /**
         * Usage canRestore.
         * @member {boolean} canRestore
         * @memberof cpsbackup.Usage
         * @instance
         */
        Usage.prototype.canRestore = false;

        /**
         * Creates a new Usage instance using the specified properties.
         * @function create
         * @memberof cpsbackup.Usage
         * @static
         * @param {cpsbackup.Usage.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.Usage} Usage instance
         * @type {{
         *   (properties: cpsbackup.Usage.$Shape): cpsbackup.Usage & cpsbackup.Usage.$Shape;
         *   (properties?: cpsbackup.Usage.$Properties): cpsbackup.Usage;
         * }}
         */
        Usage.create = function(properties) {
            return new Usage(properties);
        };

        /**
         * Encodes the specified Usage message. Does not implicitly {@link cpsbackup.Usage.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.Usage
         * @static
         * @param {cpsbackup.Usage.$Properties} message Usage message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Usage.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.backups != null && $Object.hasOwnProperty.call(message, "backups") && (typeof message.backups === "object" ? message.backups.low || message.backups.high : message.backups !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.backups);
            if (message.storedBytes != null && $Object.hasOwnProperty.call(message, "storedBytes") && (typeof message.storedBytes === "object" ? message.storedBytes.low || message.storedBytes.high : message.storedBytes !== 0))
                writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.storedBytes);
            if (message.quotaBackups != null && $Object.hasOwnProperty.call(message, "quotaBackups") && (typeof message.quotaBackups === "object" ? message.quotaBackups.low || message.quotaBackups.high : message.quotaBackups !== 0))
                writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.quotaBackups);
            if (message.quotaBytes != null && $Object.hasOwnProperty.call(message, "quotaBytes") && (typeof message.quotaBytes === "object" ? message.quotaBytes.low || message.quotaBytes.high : message.quotaBytes !== 0))
                writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.quotaBytes);
            if (message.canDelete != null && $Object.hasOwnProperty.call(message, "canDelete") && message.canDelete !== false)
                writer.uint32(/* id 5, wireType 0 =*/40).bool(message.canDelete);
            if (message.canRestore != null && $Object.hasOwnProperty.call(message, "canRestore") && message.canRestore !== false)
                writer.uint32(/* id 6, wireType 0 =*/48).bool(message.canRestore);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a Usage message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.Usage
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.Usage & cpsbackup.Usage.$Shape} Usage
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Usage.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.Usage();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.backups = value;
                        else
                            delete message.backups;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.storedBytes = value;
                        else
                            delete message.storedBytes;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.quotaBackups = value;
                        else
                            delete message.quotaBackups;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.quotaBytes = value;
                        else
                            delete message.quotaBytes;
                        continue;
                    }
                case 5: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.canDelete = value;
                        else
                            delete message.canDelete;
                        continue;
                    }
                case 6: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.canRestore = value;
                        else
                            delete message.canRestore;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return Usage;
    })();

    cpsbackup.LabelRequest = (function() {

        /**
         * Properties of a LabelRequest.
         * @typedef {Object} cpsbackup.LabelRequest.$Properties
         * @property {number|Long|null} [number] LabelRequest number
         * @property {string|null} [name] LabelRequest name
         * @property {string|null} [description] LabelRequest description
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a LabelRequest.
         * @memberof cpsbackup
         * @interface ILabelRequest
         * @augments cpsbackup.LabelRequest.$Properties
         * @deprecated Use cpsbackup.LabelRequest.$Properties instead.
         */

        /**
         * Shape of a LabelRequest.
         * @typedef {cpsbackup.LabelRequest.$Properties} cpsbackup.LabelRequest.$Shape
         */

        /**
         * Constructs a new LabelRequest.
         * @memberof cpsbackup
         * @classdesc Represents a LabelRequest.
         * @constructor
         * @param {cpsbackup.LabelRequest.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var LabelRequest = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * LabelRequest number.
         * @member {number|Long} number
         * @memberof cpsbackup.LabelRequest
         * @instance
         */
        LabelRequest.prototype.number = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * LabelRequest name.
         * @member {string} name
         * @memberof cpsbackup.LabelRequest
         * @instance
         */
        LabelRequest.prototype.name = "";

        /**
         * LabelRequest description.
         * @member {string} description
         * @memberof cpsbackup.LabelRequest
         * @instance
         */
        LabelRequest.prototype.description = "";

        /**
         * Creates a new LabelRequest instance using the specified properties.
         * @function create
         * @memberof cpsbackup.LabelRequest
         * @static
         * @param {cpsbackup.LabelRequest.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.LabelRequest} LabelRequest instance
         * @type {{
         *   (properties: cpsbackup.LabelRequest.$Shape): cpsbackup.LabelRequest & cpsbackup.LabelRequest.$Shape;
         *   (properties?: cpsbackup.LabelRequest.$Properties): cpsbackup.LabelRequest;
         * }}
         */
        LabelRequest.create = function(properties) {
            return new LabelRequest(properties);
        };

        /**
         * Encodes the specified LabelRequest message. Does not implicitly {@link cpsbackup.LabelRequest.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.LabelRequest
         * @static
         * @param {cpsbackup.LabelRequest.$Properties} message LabelRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        LabelRequest.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.number != null && $Object.hasOwnProperty.call(message, "number") && (typeof message.number === "object" ? message.number.low || message.number.high : message.number !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.number);
            if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                writer.uint32(/* id 2, wireType 2 =*/18).string(message.name);
            if (message.description != null && $Object.hasOwnProperty.call(message, "description") && message.description !== "")
                writer.uint32(/* id 3, wireType 2 =*/26).string(message.description);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a LabelRequest message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.LabelRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.LabelRequest & cpsbackup.LabelRequest.$Shape} LabelRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        LabelRequest.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.LabelRequest();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.number = value;
                        else
                            delete message.number;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.name = value;
                        else
                            delete message.name;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.description = value;
                        else
                            delete message.description;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return LabelRequest;
    })();

    cpsbackup.LabelDone = (function() {

        /**
         * Properties of a LabelDone.
         * @typedef {Object} cpsbackup.LabelDone.$Properties
         * @property {cpsbackup.BackupSummary.$Properties|null} [backup] LabelDone backup
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a LabelDone.
         * @memberof cpsbackup
         * @interface ILabelDone
         * @augments cpsbackup.LabelDone.$Properties
         * @deprecated Use cpsbackup.LabelDone.$Properties instead.
         */

        /**
         * Shape of a LabelDone.
         * @typedef {cpsbackup.LabelDone.$Properties} cpsbackup.LabelDone.$Shape
         */

        /**
         * Constructs a new LabelDone.
         * @memberof cpsbackup
         * @classdesc Represents a LabelDone.
         * @constructor
         * @param {cpsbackup.LabelDone.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var LabelDone = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * LabelDone backup.
         * @member {cpsbackup.BackupSummary.$Properties|null|undefined} backup
         * @memberof cpsbackup.LabelDone
         * @instance
         */
        LabelDone.prototype.backup = null;

        /**
         * Creates a new LabelDone instance using the specified properties.
         * @function create
         * @memberof cpsbackup.LabelDone
         * @static
         * @param {cpsbackup.LabelDone.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.LabelDone} LabelDone instance
         * @type {{
         *   (properties: cpsbackup.LabelDone.$Shape): cpsbackup.LabelDone & cpsbackup.LabelDone.$Shape;
         *   (properties?: cpsbackup.LabelDone.$Properties): cpsbackup.LabelDone;
         * }}
         */
        LabelDone.create = function(properties) {
            return new LabelDone(properties);
        };

        /**
         * Encodes the specified LabelDone message. Does not implicitly {@link cpsbackup.LabelDone.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.LabelDone
         * @static
         * @param {cpsbackup.LabelDone.$Properties} message LabelDone message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        LabelDone.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.backup != null && $Object.hasOwnProperty.call(message, "backup"))
                $root.cpsbackup.BackupSummary.encode(message.backup, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a LabelDone message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.LabelDone
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.LabelDone & cpsbackup.LabelDone.$Shape} LabelDone
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        LabelDone.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.LabelDone();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.backup = $root.cpsbackup.BackupSummary.decode(reader, reader.size(), $undefined, _depth + 1, message.backup);
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return LabelDone;
    })();

    cpsbackup.RestoreRequest = (function() {

        /**
         * Properties of a RestoreRequest.
         * @typedef {Object} cpsbackup.RestoreRequest.$Properties
         * @property {number|Long|null} [number] RestoreRequest number
         * @property {boolean|null} [metadataOnly] RestoreRequest metadataOnly
         * @property {string|null} [client] RestoreRequest client
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a RestoreRequest.
         * @memberof cpsbackup
         * @interface IRestoreRequest
         * @augments cpsbackup.RestoreRequest.$Properties
         * @deprecated Use cpsbackup.RestoreRequest.$Properties instead.
         */

        /**
         * Shape of a RestoreRequest.
         * @typedef {cpsbackup.RestoreRequest.$Properties} cpsbackup.RestoreRequest.$Shape
         */

        /**
         * Constructs a new RestoreRequest.
         * @memberof cpsbackup
         * @classdesc Represents a RestoreRequest.
         * @constructor
         * @param {cpsbackup.RestoreRequest.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var RestoreRequest = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * RestoreRequest number.
         * @member {number|Long} number
         * @memberof cpsbackup.RestoreRequest
         * @instance
         */
        RestoreRequest.prototype.number = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * RestoreRequest metadataOnly.
         * @member {boolean} metadataOnly
         * @memberof cpsbackup.RestoreRequest
         * @instance
         */
        RestoreRequest.prototype.metadataOnly = false;

        /**
         * RestoreRequest client.
         * @member {string} client
         * @memberof cpsbackup.RestoreRequest
         * @instance
         */
        RestoreRequest.prototype.client = "";

        /**
         * Creates a new RestoreRequest instance using the specified properties.
         * @function create
         * @memberof cpsbackup.RestoreRequest
         * @static
         * @param {cpsbackup.RestoreRequest.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.RestoreRequest} RestoreRequest instance
         * @type {{
         *   (properties: cpsbackup.RestoreRequest.$Shape): cpsbackup.RestoreRequest & cpsbackup.RestoreRequest.$Shape;
         *   (properties?: cpsbackup.RestoreRequest.$Properties): cpsbackup.RestoreRequest;
         * }}
         */
        RestoreRequest.create = function(properties) {
            return new RestoreRequest(properties);
        };

        /**
         * Encodes the specified RestoreRequest message. Does not implicitly {@link cpsbackup.RestoreRequest.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.RestoreRequest
         * @static
         * @param {cpsbackup.RestoreRequest.$Properties} message RestoreRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        RestoreRequest.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.number != null && $Object.hasOwnProperty.call(message, "number") && (typeof message.number === "object" ? message.number.low || message.number.high : message.number !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.number);
            if (message.metadataOnly != null && $Object.hasOwnProperty.call(message, "metadataOnly") && message.metadataOnly !== false)
                writer.uint32(/* id 2, wireType 0 =*/16).bool(message.metadataOnly);
            if (message.client != null && $Object.hasOwnProperty.call(message, "client") && message.client !== "")
                writer.uint32(/* id 5, wireType 2 =*/42).string(message.client);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a RestoreRequest message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.RestoreRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.RestoreRequest & cpsbackup.RestoreRequest.$Shape} RestoreRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        RestoreRequest.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.RestoreRequest();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.number = value;
                        else
                            delete message.number;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.metadataOnly = value;
                        else
                            delete message.metadataOnly;
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.client = value;
                        else
                            delete message.client;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return RestoreRequest;
    })();

    cpsbackup.RestoreEnd = (function() {

        /**
         * Properties of a RestoreEnd.
         * @typedef {Object} cpsbackup.RestoreEnd.$Properties
         * @property {cpsbackup.BackupSummary.$Properties|null} [backup] RestoreEnd backup
         * @property {number|Long|null} [entries] RestoreEnd entries
         * @property {number|Long|null} [bytes] RestoreEnd bytes
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a RestoreEnd.
         * @memberof cpsbackup
         * @interface IRestoreEnd
         * @augments cpsbackup.RestoreEnd.$Properties
         * @deprecated Use cpsbackup.RestoreEnd.$Properties instead.
         */

        /**
         * Shape of a RestoreEnd.
         * @typedef {cpsbackup.RestoreEnd.$Properties} cpsbackup.RestoreEnd.$Shape
         */

        /**
         * Constructs a new RestoreEnd.
         * @memberof cpsbackup
         * @classdesc Represents a RestoreEnd.
         * @constructor
         * @param {cpsbackup.RestoreEnd.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var RestoreEnd = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * RestoreEnd backup.
         * @member {cpsbackup.BackupSummary.$Properties|null|undefined} backup
         * @memberof cpsbackup.RestoreEnd
         * @instance
         */
        RestoreEnd.prototype.backup = null;

        /**
         * RestoreEnd entries.
         * @member {number|Long} entries
         * @memberof cpsbackup.RestoreEnd
         * @instance
         */
        RestoreEnd.prototype.entries = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * RestoreEnd bytes.
         * @member {number|Long} bytes
         * @memberof cpsbackup.RestoreEnd
         * @instance
         */
        RestoreEnd.prototype.bytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Creates a new RestoreEnd instance using the specified properties.
         * @function create
         * @memberof cpsbackup.RestoreEnd
         * @static
         * @param {cpsbackup.RestoreEnd.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.RestoreEnd} RestoreEnd instance
         * @type {{
         *   (properties: cpsbackup.RestoreEnd.$Shape): cpsbackup.RestoreEnd & cpsbackup.RestoreEnd.$Shape;
         *   (properties?: cpsbackup.RestoreEnd.$Properties): cpsbackup.RestoreEnd;
         * }}
         */
        RestoreEnd.create = function(properties) {
            return new RestoreEnd(properties);
        };

        /**
         * Encodes the specified RestoreEnd message. Does not implicitly {@link cpsbackup.RestoreEnd.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.RestoreEnd
         * @static
         * @param {cpsbackup.RestoreEnd.$Properties} message RestoreEnd message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        RestoreEnd.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.backup != null && $Object.hasOwnProperty.call(message, "backup"))
                $root.cpsbackup.BackupSummary.encode(message.backup, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
            if (message.entries != null && $Object.hasOwnProperty.call(message, "entries") && (typeof message.entries === "object" ? message.entries.low || message.entries.high : message.entries !== 0))
                writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.entries);
            if (message.bytes != null && $Object.hasOwnProperty.call(message, "bytes") && (typeof message.bytes === "object" ? message.bytes.low || message.bytes.high : message.bytes !== 0))
                writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.bytes);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a RestoreEnd message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.RestoreEnd
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.RestoreEnd & cpsbackup.RestoreEnd.$Shape} RestoreEnd
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        RestoreEnd.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.RestoreEnd();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.backup = $root.cpsbackup.BackupSummary.decode(reader, reader.size(), $undefined, _depth + 1, message.backup);
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.entries = value;
                        else
                            delete message.entries;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.bytes = value;
                        else
                            delete message.bytes;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return RestoreEnd;
    })();

    cpsbackup.DeleteRequest = (function() {

        /**
         * Properties of a DeleteRequest.
         * @typedef {Object} cpsbackup.DeleteRequest.$Properties
         * @property {number|Long|null} [number] DeleteRequest number
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a DeleteRequest.
         * @memberof cpsbackup
         * @interface IDeleteRequest
         * @augments cpsbackup.DeleteRequest.$Properties
         * @deprecated Use cpsbackup.DeleteRequest.$Properties instead.
         */

        /**
         * Shape of a DeleteRequest.
         * @typedef {cpsbackup.DeleteRequest.$Properties} cpsbackup.DeleteRequest.$Shape
         */

        /**
         * Constructs a new DeleteRequest.
         * @memberof cpsbackup
         * @classdesc Represents a DeleteRequest.
         * @constructor
         * @param {cpsbackup.DeleteRequest.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var DeleteRequest = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * DeleteRequest number.
         * @member {number|Long} number
         * @memberof cpsbackup.DeleteRequest
         * @instance
         */
        DeleteRequest.prototype.number = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Creates a new DeleteRequest instance using the specified properties.
         * @function create
         * @memberof cpsbackup.DeleteRequest
         * @static
         * @param {cpsbackup.DeleteRequest.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.DeleteRequest} DeleteRequest instance
         * @type {{
         *   (properties: cpsbackup.DeleteRequest.$Shape): cpsbackup.DeleteRequest & cpsbackup.DeleteRequest.$Shape;
         *   (properties?: cpsbackup.DeleteRequest.$Properties): cpsbackup.DeleteRequest;
         * }}
         */
        DeleteRequest.create = function(properties) {
            return new DeleteRequest(properties);
        };

        /**
         * Encodes the specified DeleteRequest message. Does not implicitly {@link cpsbackup.DeleteRequest.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.DeleteRequest
         * @static
         * @param {cpsbackup.DeleteRequest.$Properties} message DeleteRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        DeleteRequest.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.number != null && $Object.hasOwnProperty.call(message, "number") && (typeof message.number === "object" ? message.number.low || message.number.high : message.number !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.number);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a DeleteRequest message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.DeleteRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.DeleteRequest & cpsbackup.DeleteRequest.$Shape} DeleteRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        DeleteRequest.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.DeleteRequest();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.number = value;
                        else
                            delete message.number;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return DeleteRequest;
    })();

    cpsbackup.DeleteDone = (function() {

        /**
         * Properties of a DeleteDone.
         * @typedef {Object} cpsbackup.DeleteDone.$Properties
         * @property {number|Long|null} [number] DeleteDone number
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a DeleteDone.
         * @memberof cpsbackup
         * @interface IDeleteDone
         * @augments cpsbackup.DeleteDone.$Properties
         * @deprecated Use cpsbackup.DeleteDone.$Properties instead.
         */

        /**
         * Shape of a DeleteDone.
         * @typedef {cpsbackup.DeleteDone.$Properties} cpsbackup.DeleteDone.$Shape
         */

        /**
         * Constructs a new DeleteDone.
         * @memberof cpsbackup
         * @classdesc Represents a DeleteDone.
         * @constructor
         * @param {cpsbackup.DeleteDone.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var DeleteDone = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * DeleteDone number.
         * @member {number|Long} number
         * @memberof cpsbackup.DeleteDone
         * @instance
         */
        DeleteDone.prototype.number = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Creates a new DeleteDone instance using the specified properties.
         * @function create
         * @memberof cpsbackup.DeleteDone
         * @static
         * @param {cpsbackup.DeleteDone.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.DeleteDone} DeleteDone instance
         * @type {{
         *   (properties: cpsbackup.DeleteDone.$Shape): cpsbackup.DeleteDone & cpsbackup.DeleteDone.$Shape;
         *   (properties?: cpsbackup.DeleteDone.$Properties): cpsbackup.DeleteDone;
         * }}
         */
        DeleteDone.create = function(properties) {
            return new DeleteDone(properties);
        };

        /**
         * Encodes the specified DeleteDone message. Does not implicitly {@link cpsbackup.DeleteDone.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.DeleteDone
         * @static
         * @param {cpsbackup.DeleteDone.$Properties} message DeleteDone message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        DeleteDone.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.number != null && $Object.hasOwnProperty.call(message, "number") && (typeof message.number === "object" ? message.number.low || message.number.high : message.number !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.number);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a DeleteDone message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.DeleteDone
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.DeleteDone & cpsbackup.DeleteDone.$Shape} DeleteDone
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        DeleteDone.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.DeleteDone();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.number = value;
                        else
                            delete message.number;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return DeleteDone;
    })();

    cpsbackup.EnrolRequest = (function() {

        /**
         * Properties of an EnrolRequest.
         * @typedef {Object} cpsbackup.EnrolRequest.$Properties
         * @property {number|null} [protocolVersion] EnrolRequest protocolVersion
         * @property {string|null} [clientName] EnrolRequest clientName
         * @property {string|null} [password] EnrolRequest password
         * @property {string|null} [csrPem] EnrolRequest csrPem
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an EnrolRequest.
         * @memberof cpsbackup
         * @interface IEnrolRequest
         * @augments cpsbackup.EnrolRequest.$Properties
         * @deprecated Use cpsbackup.EnrolRequest.$Properties instead.
         */

        /**
         * Shape of an EnrolRequest.
         * @typedef {cpsbackup.EnrolRequest.$Properties} cpsbackup.EnrolRequest.$Shape
         */

        /**
         * Constructs a new EnrolRequest.
         * @memberof cpsbackup
         * @classdesc Represents an EnrolRequest.
         * @constructor
         * @param {cpsbackup.EnrolRequest.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var EnrolRequest = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * EnrolRequest protocolVersion.
         * @member {number} protocolVersion
         * @memberof cpsbackup.EnrolRequest
         * @instance
         */
        EnrolRequest.prototype.protocolVersion = 0;

        /**
         * EnrolRequest clientName.
         * @member {string} clientName
         * @memberof cpsbackup.EnrolRequest
         * @instance
         */
        EnrolRequest.prototype.clientName = "";

        /**
         * EnrolRequest password.
         * @member {string} password
         * @memberof cpsbackup.EnrolRequest
         * @instance
         */
        EnrolRequest.prototype.password = "";

        /**
         * EnrolRequest csrPem.
         * @member {string} csrPem
         * @memberof cpsbackup.EnrolRequest
         * @instance
         */
        EnrolRequest.prototype.csrPem = "";

        /**
         * Creates a new EnrolRequest instance using the specified properties.
         * @function create
         * @memberof cpsbackup.EnrolRequest
         * @static
         * @param {cpsbackup.EnrolRequest.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.EnrolRequest} EnrolRequest instance
         * @type {{
         *   (properties: cpsbackup.EnrolRequest.$Shape): cpsbackup.EnrolRequest & cpsbackup.EnrolRequest.$Shape;
         *   (properties?: cpsbackup.EnrolRequest.$Properties): cpsbackup.EnrolRequest;
         * }}
         */
        EnrolRequest.create = function(properties) {
            return new EnrolRequest(properties);
        };

        /**
         * Encodes the specified EnrolRequest message. Does not implicitly {@link cpsbackup.EnrolRequest.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.EnrolRequest
         * @static
         * @param {cpsbackup.EnrolRequest.$Properties} message EnrolRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        EnrolRequest.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.protocolVersion != null && $Object.hasOwnProperty.call(message, "protocolVersion") && message.protocolVersion !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.protocolVersion);
            if (message.clientName != null && $Object.hasOwnProperty.call(message, "clientName") && message.clientName !== "")
                writer.uint32(/* id 2, wireType 2 =*/18).string(message.clientName);
            if (message.password != null && $Object.hasOwnProperty.call(message, "password") && message.password !== "")
                writer.uint32(/* id 3, wireType 2 =*/26).string(message.password);
            if (message.csrPem != null && $Object.hasOwnProperty.call(message, "csrPem") && message.csrPem !== "")
                writer.uint32(/* id 4, wireType 2 =*/34).string(message.csrPem);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an EnrolRequest message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.EnrolRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.EnrolRequest & cpsbackup.EnrolRequest.$Shape} EnrolRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        EnrolRequest.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.EnrolRequest();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.protocolVersion = value;
                        else
                            delete message.protocolVersion;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.clientName = value;
                        else
                            delete message.clientName;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.password = value;
                        else
                            delete message.password;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.csrPem = value;
                        else
                            delete message.csrPem;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return EnrolRequest;
    })();

    cpsbackup.EnrolDone = (function() {

        /**
         * Properties of an EnrolDone.
         * @typedef {Object} cpsbackup.EnrolDone.$Properties
         * @property {string|null} [certPem] EnrolDone certPem
         * @property {string|null} [caPem] EnrolDone caPem
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an EnrolDone.
         * @memberof cpsbackup
         * @interface IEnrolDone
         * @augments cpsbackup.EnrolDone.$Properties
         * @deprecated Use cpsbackup.EnrolDone.$Properties instead.
         */

        /**
         * Shape of an EnrolDone.
         * @typedef {cpsbackup.EnrolDone.$Properties} cpsbackup.EnrolDone.$Shape
         */

        /**
         * Constructs a new EnrolDone.
         * @memberof cpsbackup
         * @classdesc Represents an EnrolDone.
         * @constructor
         * @param {cpsbackup.EnrolDone.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var EnrolDone = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * EnrolDone certPem.
         * @member {string} certPem
         * @memberof cpsbackup.EnrolDone
         * @instance
         */
        EnrolDone.prototype.certPem = "";

        /**
         * EnrolDone caPem.
         * @member {string} caPem
         * @memberof cpsbackup.EnrolDone
         * @instance
         */
        EnrolDone.prototype.caPem = "";

        /**
         * Creates a new EnrolDone instance using the specified properties.
         * @function create
         * @memberof cpsbackup.EnrolDone
         * @static
         * @param {cpsbackup.EnrolDone.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.EnrolDone} EnrolDone instance
         * @type {{
         *   (properties: cpsbackup.EnrolDone.$Shape): cpsbackup.EnrolDone & cpsbackup.EnrolDone.$Shape;
         *   (properties?: cpsbackup.EnrolDone.$Properties): cpsbackup.EnrolDone;
         * }}
         */
        EnrolDone.create = function(properties) {
            return new EnrolDone(properties);
        };

        /**
         * Encodes the specified EnrolDone message. Does not implicitly {@link cpsbackup.EnrolDone.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.EnrolDone
         * @static
         * @param {cpsbackup.EnrolDone.$Properties} message EnrolDone message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        EnrolDone.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.certPem != null && $Object.hasOwnProperty.call(message, "certPem") && message.certPem !== "")
                writer.uint32(/* id 1, wireType 2 =*/10).string(message.certPem);
            if (message.caPem != null && $Object.hasOwnProperty.call(message, "caPem") && message.caPem !== "")
                writer.uint32(/* id 2, wireType 2 =*/18).string(message.caPem);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an EnrolDone message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.EnrolDone
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.EnrolDone & cpsbackup.EnrolDone.$Shape} EnrolDone
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        EnrolDone.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.EnrolDone();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.certPem = value;
                        else
                            delete message.certPem;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.caPem = value;
                        else
                            delete message.caPem;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return EnrolDone;
    })();

    cpsbackup.VerifyRequest = (function() {

        /**
         * Properties of a VerifyRequest.
         * @typedef {Object} cpsbackup.VerifyRequest.$Properties
         * @property {number|Long|null} [number] VerifyRequest number
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a VerifyRequest.
         * @memberof cpsbackup
         * @interface IVerifyRequest
         * @augments cpsbackup.VerifyRequest.$Properties
         * @deprecated Use cpsbackup.VerifyRequest.$Properties instead.
         */

        /**
         * Shape of a VerifyRequest.
         * @typedef {cpsbackup.VerifyRequest.$Properties} cpsbackup.VerifyRequest.$Shape
         */

        /**
         * Constructs a new VerifyRequest.
         * @memberof cpsbackup
         * @classdesc Represents a VerifyRequest.
         * @constructor
         * @param {cpsbackup.VerifyRequest.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var VerifyRequest = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * VerifyRequest number.
         * @member {number|Long} number
         * @memberof cpsbackup.VerifyRequest
         * @instance
         */
        VerifyRequest.prototype.number = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Creates a new VerifyRequest instance using the specified properties.
         * @function create
         * @memberof cpsbackup.VerifyRequest
         * @static
         * @param {cpsbackup.VerifyRequest.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.VerifyRequest} VerifyRequest instance
         * @type {{
         *   (properties: cpsbackup.VerifyRequest.$Shape): cpsbackup.VerifyRequest & cpsbackup.VerifyRequest.$Shape;
         *   (properties?: cpsbackup.VerifyRequest.$Properties): cpsbackup.VerifyRequest;
         * }}
         */
        VerifyRequest.create = function(properties) {
            return new VerifyRequest(properties);
        };

        /**
         * Encodes the specified VerifyRequest message. Does not implicitly {@link cpsbackup.VerifyRequest.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.VerifyRequest
         * @static
         * @param {cpsbackup.VerifyRequest.$Properties} message VerifyRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        VerifyRequest.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.number != null && $Object.hasOwnProperty.call(message, "number") && (typeof message.number === "object" ? message.number.low || message.number.high : message.number !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.number);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a VerifyRequest message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.VerifyRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.VerifyRequest & cpsbackup.VerifyRequest.$Shape} VerifyRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        VerifyRequest.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.VerifyRequest();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.number = value;
                        else
                            delete message.number;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return VerifyRequest;
    })();

    cpsbackup.DamagedBackup = (function() {

        /**
         * Properties of a DamagedBackup.
         * @typedef {Object} cpsbackup.DamagedBackup.$Properties
         * @property {number|Long|null} [number] DamagedBackup number
         * @property {boolean|null} [manifestDamaged] DamagedBackup manifestDamaged
         * @property {Array.<string>|null} [files] DamagedBackup files
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a DamagedBackup.
         * @memberof cpsbackup
         * @interface IDamagedBackup
         * @augments cpsbackup.DamagedBackup.$Properties
         * @deprecated Use cpsbackup.DamagedBackup.$Properties instead.
         */

        /**
         * Shape of a DamagedBackup.
         * @typedef {cpsbackup.DamagedBackup.$Properties} cpsbackup.DamagedBackup.$Shape
         */

        /**
         * Constructs a new DamagedBackup.
         * @memberof cpsbackup
         * @classdesc Represents a DamagedBackup.
         * @constructor
         * @param {cpsbackup.DamagedBackup.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var DamagedBackup = function (properties) {
            this.files = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * DamagedBackup number.
         * @member {number|Long} number
         * @memberof cpsbackup.DamagedBackup
         * @instance
         */
        DamagedBackup.prototype.number = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * DamagedBackup manifestDamaged.
         * @member {boolean} manifestDamaged
         * @memberof cpsbackup.DamagedBackup
         * @instance
         */
        DamagedBackup.prototype.manifestDamaged = false;

        /**
         * DamagedBackup files.
         * @member {Array.<string>} files
         * @memberof cpsbackup.DamagedBackup
         * @instance
         */
        DamagedBackup.prototype.files = $util.emptyArray;

        /**
         * Creates a new DamagedBackup instance using the specified properties.
         * @function create
         * @memberof cpsbackup.DamagedBackup
         * @static
         * @param {cpsbackup.DamagedBackup.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.DamagedBackup} DamagedBackup instance
         * @type {{
         *   (properties: cpsbackup.DamagedBackup.$Shape): cpsbackup.DamagedBackup & cpsbackup.DamagedBackup.$Shape;
         *   (properties?: cpsbackup.DamagedBackup.$Properties): cpsbackup.DamagedBackup;
         * }}
         */
        DamagedBackup.create = function(properties) {
            return new DamagedBackup(properties);
        };

        /**
         * Encodes the specified DamagedBackup message. Does not implicitly {@link cpsbackup.DamagedBackup.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.DamagedBackup
         * @static
         * @param {cpsbackup.DamagedBackup.$Properties} message DamagedBackup message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        DamagedBackup.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.number != null && $Object.hasOwnProperty.call(message, "number") && (typeof message.number === "object" ? message.number.low || message.number.high : message.number !== 0))
                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.number);
            if (message.manifestDamaged != null && $Object.hasOwnProperty.call(message, "manifestDamaged") && message.manifestDamaged !== false)
                writer.uint32(/* id 2, wireType 0 =*/16).bool(message.manifestDamaged);
            if (message.files != null && message.files.length)
                for (var i = 0; i < message.files.length; ++i)
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.files[i]);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a DamagedBackup message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.DamagedBackup
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.DamagedBackup & cpsbackup.DamagedBackup.$Shape} DamagedBackup
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        DamagedBackup.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.DamagedBackup();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.number = value;
                        else
                            delete message.number;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.manifestDamaged = value;
                        else
                            delete message.manifestDamaged;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if (!(message.files && message.files.length))
                            message.files = [];
                        message.files.push(reader.stringVerify());
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return DamagedBackup;
    })();

    cpsbackup.VerifyResult = (function() {

        /**
         * Properties of a VerifyResult.
         * @typedef {Object} cpsbackup.VerifyResult.$Properties
         * @property {boolean|null} [ok] VerifyResult ok
         * @property {number|Long|null} [chunksChecked] VerifyResult chunksChecked
         * @property {number|Long|null} [bytesChecked] VerifyResult bytesChecked
         * @property {number|Long|null} [badChunks] VerifyResult badChunks
         * @property {Array.<cpsbackup.DamagedBackup.$Properties>|null} [damaged] VerifyResult damaged
         * @property {Array.<string>|null} [catalogProblems] VerifyResult catalogProblems
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a VerifyResult.
         * @memberof cpsbackup
         * @interface IVerifyResult
         * @augments cpsbackup.VerifyResult.$Properties
         * @deprecated Use cpsbackup.VerifyResult.$Properties instead.
         */

        /**
         * Shape of a VerifyResult.
         * @typedef {cpsbackup.VerifyResult.$Properties} cpsbackup.VerifyResult.$Shape
         */

        /**
         * Constructs a new VerifyResult.
         * @memberof cpsbackup
         * @classdesc Represents a VerifyResult.
         * @constructor
         * @param {cpsbackup.VerifyResult.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var VerifyResult = function (properties) {
            this.damaged = [];
            this.catalogProblems = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * VerifyResult ok.
         * @member {boolean} ok
         * @memberof cpsbackup.VerifyResult
         * @instance
         */
        VerifyResult.prototype.ok = false;

        /**
         * VerifyResult chunksChecked.
         * @member {number|Long} chunksChecked
         * @memberof cpsbackup.VerifyResult
         * @instance
         */
        VerifyResult.prototype.chunksChecked = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * VerifyResult bytesChecked.
         * @member {number|Long} bytesChecked
         * @memberof cpsbackup.VerifyResult
         * @instance
         */
        VerifyResult.prototype.bytesChecked = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * VerifyResult badChunks.
         * @member {number|Long} badChunks
         * @memberof cpsbackup.VerifyResult
         * @instance
         */
        VerifyResult.prototype.badChunks = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * VerifyResult damaged.
         * @member {Array.<cpsbackup.DamagedBackup.$Properties>} damaged
         * @memberof cpsbackup.VerifyResult
         * @instance
         */
        VerifyResult.prototype.damaged = $util.emptyArray;

        /**
         * VerifyResult catalogProblems.
         * @member {Array.<string>} catalogProblems
         * @memberof cpsbackup.VerifyResult
         * @instance
         */
        VerifyResult.prototype.catalogProblems = $util.emptyArray;

        /**
         * Creates a new VerifyResult instance using the specified properties.
         * @function create
         * @memberof cpsbackup.VerifyResult
         * @static
         * @param {cpsbackup.VerifyResult.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.VerifyResult} VerifyResult instance
         * @type {{
         *   (properties: cpsbackup.VerifyResult.$Shape): cpsbackup.VerifyResult & cpsbackup.VerifyResult.$Shape;
         *   (properties?: cpsbackup.VerifyResult.$Properties): cpsbackup.VerifyResult;
         * }}
         */
        VerifyResult.create = function(properties) {
            return new VerifyResult(properties);
        };

        /**
         * Encodes the specified VerifyResult message. Does not implicitly {@link cpsbackup.VerifyResult.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.VerifyResult
         * @static
         * @param {cpsbackup.VerifyResult.$Properties} message VerifyResult message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        VerifyResult.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.ok != null && $Object.hasOwnProperty.call(message, "ok") && message.ok !== false)
                writer.uint32(/* id 1, wireType 0 =*/8).bool(message.ok);
            if (message.chunksChecked != null && $Object.hasOwnProperty.call(message, "chunksChecked") && (typeof message.chunksChecked === "object" ? message.chunksChecked.low || message.chunksChecked.high : message.chunksChecked !== 0))
                writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.chunksChecked);
            if (message.bytesChecked != null && $Object.hasOwnProperty.call(message, "bytesChecked") && (typeof message.bytesChecked === "object" ? message.bytesChecked.low || message.bytesChecked.high : message.bytesChecked !== 0))
                writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.bytesChecked);
            if (message.badChunks != null && $Object.hasOwnProperty.call(message, "badChunks") && (typeof message.badChunks === "object" ? message.badChunks.low || message.badChunks.high : message.badChunks !== 0))
                writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.badChunks);
            if (message.damaged != null && message.damaged.length)
                for (var i = 0; i < message.damaged.length; ++i)
                    $root.cpsbackup.DamagedBackup.encode(message.damaged[i], writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
            if (message.catalogProblems != null && message.catalogProblems.length)
                for (var i = 0; i < message.catalogProblems.length; ++i)
                    writer.uint32(/* id 6, wireType 2 =*/50).string(message.catalogProblems[i]);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a VerifyResult message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.VerifyResult
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.VerifyResult & cpsbackup.VerifyResult.$Shape} VerifyResult
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        VerifyResult.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.VerifyResult();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.ok = value;
                        else
                            delete message.ok;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.chunksChecked = value;
                        else
                            delete message.chunksChecked;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.bytesChecked = value;
                        else
                            delete message.bytesChecked;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.badChunks = value;
                        else
                            delete message.badChunks;
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if (!(message.damaged && message.damaged.length))
                            message.damaged = [];
                        message.damaged.push($root.cpsbackup.DamagedBackup.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        if (!(message.catalogProblems && message.catalogProblems.length))
                            message.catalogProblems = [];
                        message.catalogProblems.push(reader.stringVerify());
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return VerifyResult;
    })();

    cpsbackup.BackupTree = (function() {

        /**
         * Properties of a BackupTree.
         * @typedef {Object} cpsbackup.BackupTree.$Properties
         * @property {cpsbackup.BackupSummary.$Properties|null} [backup] BackupTree backup
         * @property {Array.<Uint8Array>|null} [root] BackupTree root
         * @property {number|null} [format] BackupTree format
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a BackupTree.
         * @memberof cpsbackup
         * @interface IBackupTree
         * @augments cpsbackup.BackupTree.$Properties
         * @deprecated Use cpsbackup.BackupTree.$Properties instead.
         */

        /**
         * Shape of a BackupTree.
         * @typedef {cpsbackup.BackupTree.$Properties} cpsbackup.BackupTree.$Shape
         */

        /**
         * Constructs a new BackupTree.
         * @memberof cpsbackup
         * @classdesc Represents a BackupTree.
         * @constructor
         * @param {cpsbackup.BackupTree.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var BackupTree = function (properties) {
            this.root = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * BackupTree backup.
         * @member {cpsbackup.BackupSummary.$Properties|null|undefined} backup
         * @memberof cpsbackup.BackupTree
         * @instance
         */
        BackupTree.prototype.backup = null;

        /**
         * BackupTree root.
         * @member {Array.<Uint8Array>} root
         * @memberof cpsbackup.BackupTree
         * @instance
         */
        BackupTree.prototype.root = $util.emptyArray;

        /**
         * BackupTree format.
         * @member {number} format
         * @memberof cpsbackup.BackupTree
         * @instance
         */
        BackupTree.prototype.format = 0;

        /**
         * Creates a new BackupTree instance using the specified properties.
         * @function create
         * @memberof cpsbackup.BackupTree
         * @static
         * @param {cpsbackup.BackupTree.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.BackupTree} BackupTree instance
         * @type {{
         *   (properties: cpsbackup.BackupTree.$Shape): cpsbackup.BackupTree & cpsbackup.BackupTree.$Shape;
         *   (properties?: cpsbackup.BackupTree.$Properties): cpsbackup.BackupTree;
         * }}
         */
        BackupTree.create = function(properties) {
            return new BackupTree(properties);
        };

        /**
         * Encodes the specified BackupTree message. Does not implicitly {@link cpsbackup.BackupTree.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.BackupTree
         * @static
         * @param {cpsbackup.BackupTree.$Properties} message BackupTree message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        BackupTree.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.backup != null && $Object.hasOwnProperty.call(message, "backup"))
                $root.cpsbackup.BackupSummary.encode(message.backup, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
            if (message.root != null && message.root.length)
                for (var i = 0; i < message.root.length; ++i)
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.root[i]);
            if (message.format != null && $Object.hasOwnProperty.call(message, "format") && message.format !== 0)
                writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.format);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a BackupTree message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.BackupTree
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.BackupTree & cpsbackup.BackupTree.$Shape} BackupTree
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        BackupTree.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.BackupTree();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.backup = $root.cpsbackup.BackupSummary.decode(reader, reader.size(), $undefined, _depth + 1, message.backup);
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if (!(message.root && message.root.length))
                            message.root = [];
                        message.root.push(reader.bytes());
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.format = value;
                        else
                            delete message.format;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return BackupTree;
    })();

    cpsbackup.ReadChunks = (function() {

        /**
         * Properties of a ReadChunks.
         * @typedef {Object} cpsbackup.ReadChunks.$Properties
         * @property {Array.<Uint8Array>|null} [ids] ReadChunks ids
         * @property {boolean|null} [done] ReadChunks done
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ReadChunks.
         * @memberof cpsbackup
         * @interface IReadChunks
         * @augments cpsbackup.ReadChunks.$Properties
         * @deprecated Use cpsbackup.ReadChunks.$Properties instead.
         */

        /**
         * Shape of a ReadChunks.
         * @typedef {cpsbackup.ReadChunks.$Properties} cpsbackup.ReadChunks.$Shape
         */

        /**
         * Constructs a new ReadChunks.
         * @memberof cpsbackup
         * @classdesc Represents a ReadChunks.
         * @constructor
         * @param {cpsbackup.ReadChunks.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var ReadChunks = function (properties) {
            this.ids = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ReadChunks ids.
         * @member {Array.<Uint8Array>} ids
         * @memberof cpsbackup.ReadChunks
         * @instance
         */
        ReadChunks.prototype.ids = $util.emptyArray;

        /**
         * ReadChunks done.
         * @member {boolean} done
         * @memberof cpsbackup.ReadChunks
         * @instance
         */
        ReadChunks.prototype.done = false;

        /**
         * Creates a new ReadChunks instance using the specified properties.
         * @function create
         * @memberof cpsbackup.ReadChunks
         * @static
         * @param {cpsbackup.ReadChunks.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.ReadChunks} ReadChunks instance
         * @type {{
         *   (properties: cpsbackup.ReadChunks.$Shape): cpsbackup.ReadChunks & cpsbackup.ReadChunks.$Shape;
         *   (properties?: cpsbackup.ReadChunks.$Properties): cpsbackup.ReadChunks;
         * }}
         */
        ReadChunks.create = function(properties) {
            return new ReadChunks(properties);
        };

        /**
         * Encodes the specified ReadChunks message. Does not implicitly {@link cpsbackup.ReadChunks.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.ReadChunks
         * @static
         * @param {cpsbackup.ReadChunks.$Properties} message ReadChunks message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ReadChunks.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.ids != null && message.ids.length)
                for (var i = 0; i < message.ids.length; ++i)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.ids[i]);
            if (message.done != null && $Object.hasOwnProperty.call(message, "done") && message.done !== false)
                writer.uint32(/* id 2, wireType 0 =*/16).bool(message.done);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ReadChunks message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.ReadChunks
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.ReadChunks & cpsbackup.ReadChunks.$Shape} ReadChunks
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ReadChunks.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.ReadChunks();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if (!(message.ids && message.ids.length))
                            message.ids = [];
                        message.ids.push(reader.bytes());
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.done = value;
                        else
                            delete message.done;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ReadChunks;
    })();

    cpsbackup.KeyRequest = (function() {

        /**
         * Properties of a KeyRequest.
         * @typedef {Object} cpsbackup.KeyRequest.$Properties
         * @property {Uint8Array|null} [wrappedKey] KeyRequest wrappedKey
         * @property {boolean|null} [store] KeyRequest store
         * @property {Uint8Array|null} [keyId] KeyRequest keyId
         * @property {cpsbackup.OldBackups|null} [oldBackups] KeyRequest oldBackups
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a KeyRequest.
         * @memberof cpsbackup
         * @interface IKeyRequest
         * @augments cpsbackup.KeyRequest.$Properties
         * @deprecated Use cpsbackup.KeyRequest.$Properties instead.
         */

        /**
         * Shape of a KeyRequest.
         * @typedef {cpsbackup.KeyRequest.$Properties} cpsbackup.KeyRequest.$Shape
         */

        /**
         * Constructs a new KeyRequest.
         * @memberof cpsbackup
         * @classdesc Represents a KeyRequest.
         * @constructor
         * @param {cpsbackup.KeyRequest.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var KeyRequest = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * KeyRequest wrappedKey.
         * @member {Uint8Array} wrappedKey
         * @memberof cpsbackup.KeyRequest
         * @instance
         */
        KeyRequest.prototype.wrappedKey = $util.newBuffer([]);

        /**
         * KeyRequest store.
         * @member {boolean} store
         * @memberof cpsbackup.KeyRequest
         * @instance
         */
        KeyRequest.prototype.store = false;

        /**
         * KeyRequest keyId.
         * @member {Uint8Array} keyId
         * @memberof cpsbackup.KeyRequest
         * @instance
         */
        KeyRequest.prototype.keyId = $util.newBuffer([]);

        /**
         * KeyRequest oldBackups.
         * @member {cpsbackup.OldBackups} oldBackups
         * @memberof cpsbackup.KeyRequest
         * @instance
         */
        KeyRequest.prototype.oldBackups = 0;

        /**
         * Creates a new KeyRequest instance using the specified properties.
         * @function create
         * @memberof cpsbackup.KeyRequest
         * @static
         * @param {cpsbackup.KeyRequest.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.KeyRequest} KeyRequest instance
         * @type {{
         *   (properties: cpsbackup.KeyRequest.$Shape): cpsbackup.KeyRequest & cpsbackup.KeyRequest.$Shape;
         *   (properties?: cpsbackup.KeyRequest.$Properties): cpsbackup.KeyRequest;
         * }}
         */
        KeyRequest.create = function(properties) {
            return new KeyRequest(properties);
        };

        /**
         * Encodes the specified KeyRequest message. Does not implicitly {@link cpsbackup.KeyRequest.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.KeyRequest
         * @static
         * @param {cpsbackup.KeyRequest.$Properties} message KeyRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        KeyRequest.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.wrappedKey != null && $Object.hasOwnProperty.call(message, "wrappedKey") && message.wrappedKey.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.wrappedKey);
            if (message.store != null && $Object.hasOwnProperty.call(message, "store") && message.store !== false)
                writer.uint32(/* id 2, wireType 0 =*/16).bool(message.store);
            if (message.keyId != null && $Object.hasOwnProperty.call(message, "keyId") && message.keyId.length)
                writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.keyId);
            if (message.oldBackups != null && $Object.hasOwnProperty.call(message, "oldBackups") && message.oldBackups !== 0)
                writer.uint32(/* id 4, wireType 0 =*/32).int32(message.oldBackups);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a KeyRequest message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.KeyRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.KeyRequest & cpsbackup.KeyRequest.$Shape} KeyRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        KeyRequest.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.KeyRequest();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.wrappedKey = value;
                        else
                            delete message.wrappedKey;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.bool())
                            message.store = value;
                        else
                            delete message.store;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.keyId = value;
                        else
                            delete message.keyId;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.int32())
                            message.oldBackups = value;
                        else
                            delete message.oldBackups;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return KeyRequest;
    })();

    /**
     * OldBackups enum.
     * @name cpsbackup.OldBackups
     * @enum {number}
     * @property {number} OLD_BACKUPS_REFUSE=0 OLD_BACKUPS_REFUSE value
     * @property {number} OLD_BACKUPS_DELETE=1 OLD_BACKUPS_DELETE value
     * @property {number} OLD_BACKUPS_KEEP=2 OLD_BACKUPS_KEEP value
     * @property {number} OLD_BACKUPS_NONE=3 OLD_BACKUPS_NONE value
     */
    cpsbackup.OldBackups = (function() {
        var valuesById = $Object.create(null), values = $Object.create(valuesById);
        values[valuesById[0] = "OLD_BACKUPS_REFUSE"] = 0;
        values[valuesById[1] = "OLD_BACKUPS_DELETE"] = 1;
        values[valuesById[2] = "OLD_BACKUPS_KEEP"] = 2;
        values[valuesById[3] = "OLD_BACKUPS_NONE"] = 3;
        return values;
    })();

    cpsbackup.KeyReply = (function() {

        /**
         * Properties of a KeyReply.
         * @typedef {Object} cpsbackup.KeyReply.$Properties
         * @property {Uint8Array|null} [wrappedKey] KeyReply wrappedKey
         * @property {Uint8Array|null} [keyId] KeyReply keyId
         * @property {Array.<cpsbackup.KeyBackups.$Properties>|null} [backups] KeyReply backups
         * @property {number|null} [deleted] KeyReply deleted
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a KeyReply.
         * @memberof cpsbackup
         * @interface IKeyReply
         * @augments cpsbackup.KeyReply.$Properties
         * @deprecated Use cpsbackup.KeyReply.$Properties instead.
         */

        /**
         * Shape of a KeyReply.
         * @typedef {cpsbackup.KeyReply.$Properties} cpsbackup.KeyReply.$Shape
         */

        /**
         * Constructs a new KeyReply.
         * @memberof cpsbackup
         * @classdesc Represents a KeyReply.
         * @constructor
         * @param {cpsbackup.KeyReply.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var KeyReply = function (properties) {
            this.backups = [];
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * KeyReply wrappedKey.
         * @member {Uint8Array} wrappedKey
         * @memberof cpsbackup.KeyReply
         * @instance
         */
        KeyReply.prototype.wrappedKey = $util.newBuffer([]);

        /**
         * KeyReply keyId.
         * @member {Uint8Array} keyId
         * @memberof cpsbackup.KeyReply
         * @instance
         */
        KeyReply.prototype.keyId = $util.newBuffer([]);

        /**
         * KeyReply backups.
         * @member {Array.<cpsbackup.KeyBackups.$Properties>} backups
         * @memberof cpsbackup.KeyReply
         * @instance
         */
        KeyReply.prototype.backups = $util.emptyArray;

        /**
         * KeyReply deleted.
         * @member {number} deleted
         * @memberof cpsbackup.KeyReply
         * @instance
         */
        KeyReply.prototype.deleted = 0;

        /**
         * Creates a new KeyReply instance using the specified properties.
         * @function create
         * @memberof cpsbackup.KeyReply
         * @static
         * @param {cpsbackup.KeyReply.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.KeyReply} KeyReply instance
         * @type {{
         *   (properties: cpsbackup.KeyReply.$Shape): cpsbackup.KeyReply & cpsbackup.KeyReply.$Shape;
         *   (properties?: cpsbackup.KeyReply.$Properties): cpsbackup.KeyReply;
         * }}
         */
        KeyReply.create = function(properties) {
            return new KeyReply(properties);
        };

        /**
         * Encodes the specified KeyReply message. Does not implicitly {@link cpsbackup.KeyReply.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.KeyReply
         * @static
         * @param {cpsbackup.KeyReply.$Properties} message KeyReply message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        KeyReply.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.wrappedKey != null && $Object.hasOwnProperty.call(message, "wrappedKey") && message.wrappedKey.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.wrappedKey);
            if (message.keyId != null && $Object.hasOwnProperty.call(message, "keyId") && message.keyId.length)
                writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.keyId);
            if (message.backups != null && message.backups.length)
                for (var i = 0; i < message.backups.length; ++i)
                    $root.cpsbackup.KeyBackups.encode(message.backups[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
            if (message.deleted != null && $Object.hasOwnProperty.call(message, "deleted") && message.deleted !== 0)
                writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.deleted);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a KeyReply message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.KeyReply
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.KeyReply & cpsbackup.KeyReply.$Shape} KeyReply
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        KeyReply.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.KeyReply();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.wrappedKey = value;
                        else
                            delete message.wrappedKey;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.keyId = value;
                        else
                            delete message.keyId;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if (!(message.backups && message.backups.length))
                            message.backups = [];
                        message.backups.push($root.cpsbackup.KeyBackups.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.deleted = value;
                        else
                            delete message.deleted;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return KeyReply;
    })();

    cpsbackup.KeyBackups = (function() {

        /**
         * Properties of a KeyBackups.
         * @typedef {Object} cpsbackup.KeyBackups.$Properties
         * @property {Uint8Array|null} [keyId] KeyBackups keyId
         * @property {number|null} [count] KeyBackups count
         * @property {number|Long|null} [oldest] KeyBackups oldest
         * @property {number|Long|null} [newest] KeyBackups newest
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a KeyBackups.
         * @memberof cpsbackup
         * @interface IKeyBackups
         * @augments cpsbackup.KeyBackups.$Properties
         * @deprecated Use cpsbackup.KeyBackups.$Properties instead.
         */

        /**
         * Shape of a KeyBackups.
         * @typedef {cpsbackup.KeyBackups.$Properties} cpsbackup.KeyBackups.$Shape
         */

        /**
         * Constructs a new KeyBackups.
         * @memberof cpsbackup
         * @classdesc Represents a KeyBackups.
         * @constructor
         * @param {cpsbackup.KeyBackups.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        var KeyBackups = function (properties) {
            if (properties)
                for (var keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * KeyBackups keyId.
         * @member {Uint8Array} keyId
         * @memberof cpsbackup.KeyBackups
         * @instance
         */
        KeyBackups.prototype.keyId = $util.newBuffer([]);

        /**
         * KeyBackups count.
         * @member {number} count
         * @memberof cpsbackup.KeyBackups
         * @instance
         */
        KeyBackups.prototype.count = 0;

        /**
         * KeyBackups oldest.
         * @member {number|Long} oldest
         * @memberof cpsbackup.KeyBackups
         * @instance
         */
        KeyBackups.prototype.oldest = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * KeyBackups newest.
         * @member {number|Long} newest
         * @memberof cpsbackup.KeyBackups
         * @instance
         */
        KeyBackups.prototype.newest = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Creates a new KeyBackups instance using the specified properties.
         * @function create
         * @memberof cpsbackup.KeyBackups
         * @static
         * @param {cpsbackup.KeyBackups.$Properties=} [properties] Properties to set
         * @returns {cpsbackup.KeyBackups} KeyBackups instance
         * @type {{
         *   (properties: cpsbackup.KeyBackups.$Shape): cpsbackup.KeyBackups & cpsbackup.KeyBackups.$Shape;
         *   (properties?: cpsbackup.KeyBackups.$Properties): cpsbackup.KeyBackups;
         * }}
         */
        KeyBackups.create = function(properties) {
            return new KeyBackups(properties);
        };

        /**
         * Encodes the specified KeyBackups message. Does not implicitly {@link cpsbackup.KeyBackups.verify|verify} messages.
         * @function encode
         * @memberof cpsbackup.KeyBackups
         * @static
         * @param {cpsbackup.KeyBackups.$Properties} message KeyBackups message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        KeyBackups.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.keyId != null && $Object.hasOwnProperty.call(message, "keyId") && message.keyId.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.keyId);
            if (message.count != null && $Object.hasOwnProperty.call(message, "count") && message.count !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.count);
            if (message.oldest != null && $Object.hasOwnProperty.call(message, "oldest") && (typeof message.oldest === "object" ? message.oldest.low || message.oldest.high : message.oldest !== 0))
                writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.oldest);
            if (message.newest != null && $Object.hasOwnProperty.call(message, "newest") && (typeof message.newest === "object" ? message.newest.low || message.newest.high : message.newest !== 0))
                writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.newest);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (var i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a KeyBackups message from the specified reader or buffer.
         * @function decode
         * @memberof cpsbackup.KeyBackups
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {cpsbackup.KeyBackups & cpsbackup.KeyBackups.$Shape} KeyBackups
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        KeyBackups.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            var end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.cpsbackup.KeyBackups();
            while (reader.pos < end) {
                var start = reader.pos;
                var tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                var wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.keyId = value;
                        else
                            delete message.keyId;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.count = value;
                        else
                            delete message.count;
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.oldest = value;
                        else
                            delete message.oldest;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.newest = value;
                        else
                            delete message.newest;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return KeyBackups;
    })();

    return cpsbackup;
})();

module.exports = $root;
