import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace cpsbackup. */
export namespace cpsbackup {

    /**
     * Properties of an Envelope.
     * @deprecated Use cpsbackup.Envelope.$Properties instead.
     */
    interface IEnvelope extends cpsbackup.Envelope.$Properties {
    }

    /** Represents an Envelope. */
    class Envelope {

        /**
         * Constructs a new Envelope.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.Envelope.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Envelope hello. */
        hello?: (cpsbackup.Hello.$Properties|null);

        /** Envelope welcome. */
        welcome?: (cpsbackup.Welcome.$Properties|null);

        /** Envelope error. */
        error?: (cpsbackup.Error.$Properties|null);

        /** Envelope beginBackup. */
        beginBackup?: (cpsbackup.BeginBackup.$Properties|null);

        /** Envelope backupStarted. */
        backupStarted?: (cpsbackup.BackupStarted.$Properties|null);

        /** Envelope missingQuery. */
        missingQuery?: (cpsbackup.MissingQuery.$Properties|null);

        /** Envelope missingReply. */
        missingReply?: (cpsbackup.MissingReply.$Properties|null);

        /** Envelope chunk. */
        chunk?: (cpsbackup.Chunk.$Properties|null);

        /** Envelope listingChunk. */
        listingChunk?: (cpsbackup.ListingChunk.$Properties|null);

        /** Envelope endBackup. */
        endBackup?: (cpsbackup.EndBackup.$Properties|null);

        /** Envelope backupDone. */
        backupDone?: (cpsbackup.BackupDone.$Properties|null);

        /** Envelope listRequest. */
        listRequest?: (cpsbackup.ListRequest.$Properties|null);

        /** Envelope backupList. */
        backupList?: (cpsbackup.BackupList.$Properties|null);

        /** Envelope restoreRequest. */
        restoreRequest?: (cpsbackup.RestoreRequest.$Properties|null);

        /** Envelope restoreEnd. */
        restoreEnd?: (cpsbackup.RestoreEnd.$Properties|null);

        /** Envelope deleteRequest. */
        deleteRequest?: (cpsbackup.DeleteRequest.$Properties|null);

        /** Envelope deleteDone. */
        deleteDone?: (cpsbackup.DeleteDone.$Properties|null);

        /** Envelope abortBackup. */
        abortBackup?: (cpsbackup.AbortBackup.$Properties|null);

        /** Envelope warning. */
        warning?: (cpsbackup.Warning.$Properties|null);

        /** Envelope labelRequest. */
        labelRequest?: (cpsbackup.LabelRequest.$Properties|null);

        /** Envelope labelDone. */
        labelDone?: (cpsbackup.LabelDone.$Properties|null);

        /** Envelope enrolRequest. */
        enrolRequest?: (cpsbackup.EnrolRequest.$Properties|null);

        /** Envelope enrolDone. */
        enrolDone?: (cpsbackup.EnrolDone.$Properties|null);

        /** Envelope verifyRequest. */
        verifyRequest?: (cpsbackup.VerifyRequest.$Properties|null);

        /** Envelope verifyResult. */
        verifyResult?: (cpsbackup.VerifyResult.$Properties|null);

        /** Envelope readChunks. */
        readChunks?: (cpsbackup.ReadChunks.$Properties|null);

        /** Envelope backupTree. */
        backupTree?: (cpsbackup.BackupTree.$Properties|null);

        /** Envelope keyRequest. */
        keyRequest?: (cpsbackup.KeyRequest.$Properties|null);

        /** Envelope keyReply. */
        keyReply?: (cpsbackup.KeyReply.$Properties|null);

        /** Envelope keepAlive. */
        keepAlive?: (cpsbackup.KeepAlive.$Properties|null);

        /** Envelope storageWait. */
        storageWait?: (cpsbackup.StorageWait.$Properties|null);

        /** Envelope msg. */
        msg?: ("hello"|"welcome"|"error"|"beginBackup"|"backupStarted"|"missingQuery"|"missingReply"|"chunk"|"listingChunk"|"endBackup"|"backupDone"|"listRequest"|"backupList"|"restoreRequest"|"restoreEnd"|"deleteRequest"|"deleteDone"|"abortBackup"|"warning"|"labelRequest"|"labelDone"|"enrolRequest"|"enrolDone"|"verifyRequest"|"verifyResult"|"readChunks"|"backupTree"|"keyRequest"|"keyReply"|"keepAlive"|"storageWait");

        /**
         * Creates a new Envelope instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Envelope instance
         */
        static create(properties: cpsbackup.Envelope.$Shape): cpsbackup.Envelope & cpsbackup.Envelope.$Shape;
        static create(properties?: cpsbackup.Envelope.$Properties): cpsbackup.Envelope;

        /**
         * Encodes the specified Envelope message. Does not implicitly {@link cpsbackup.Envelope.verify|verify} messages.
         * @param message Envelope message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.Envelope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an Envelope message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.Envelope & cpsbackup.Envelope.$Shape} Envelope
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.Envelope & cpsbackup.Envelope.$Shape;
    }

    namespace Envelope {

        /** Properties of an Envelope. */
        interface $Properties {

            /** Envelope hello */
            hello?: (cpsbackup.Hello.$Properties|null);

            /** Envelope welcome */
            welcome?: (cpsbackup.Welcome.$Properties|null);

            /** Envelope error */
            error?: (cpsbackup.Error.$Properties|null);

            /** Envelope beginBackup */
            beginBackup?: (cpsbackup.BeginBackup.$Properties|null);

            /** Envelope backupStarted */
            backupStarted?: (cpsbackup.BackupStarted.$Properties|null);

            /** Envelope missingQuery */
            missingQuery?: (cpsbackup.MissingQuery.$Properties|null);

            /** Envelope missingReply */
            missingReply?: (cpsbackup.MissingReply.$Properties|null);

            /** Envelope chunk */
            chunk?: (cpsbackup.Chunk.$Properties|null);

            /** Envelope listingChunk */
            listingChunk?: (cpsbackup.ListingChunk.$Properties|null);

            /** Envelope endBackup */
            endBackup?: (cpsbackup.EndBackup.$Properties|null);

            /** Envelope backupDone */
            backupDone?: (cpsbackup.BackupDone.$Properties|null);

            /** Envelope listRequest */
            listRequest?: (cpsbackup.ListRequest.$Properties|null);

            /** Envelope backupList */
            backupList?: (cpsbackup.BackupList.$Properties|null);

            /** Envelope restoreRequest */
            restoreRequest?: (cpsbackup.RestoreRequest.$Properties|null);

            /** Envelope restoreEnd */
            restoreEnd?: (cpsbackup.RestoreEnd.$Properties|null);

            /** Envelope deleteRequest */
            deleteRequest?: (cpsbackup.DeleteRequest.$Properties|null);

            /** Envelope deleteDone */
            deleteDone?: (cpsbackup.DeleteDone.$Properties|null);

            /** Envelope abortBackup */
            abortBackup?: (cpsbackup.AbortBackup.$Properties|null);

            /** Envelope warning */
            warning?: (cpsbackup.Warning.$Properties|null);

            /** Envelope labelRequest */
            labelRequest?: (cpsbackup.LabelRequest.$Properties|null);

            /** Envelope labelDone */
            labelDone?: (cpsbackup.LabelDone.$Properties|null);

            /** Envelope enrolRequest */
            enrolRequest?: (cpsbackup.EnrolRequest.$Properties|null);

            /** Envelope enrolDone */
            enrolDone?: (cpsbackup.EnrolDone.$Properties|null);

            /** Envelope verifyRequest */
            verifyRequest?: (cpsbackup.VerifyRequest.$Properties|null);

            /** Envelope verifyResult */
            verifyResult?: (cpsbackup.VerifyResult.$Properties|null);

            /** Envelope readChunks */
            readChunks?: (cpsbackup.ReadChunks.$Properties|null);

            /** Envelope backupTree */
            backupTree?: (cpsbackup.BackupTree.$Properties|null);

            /** Envelope keyRequest */
            keyRequest?: (cpsbackup.KeyRequest.$Properties|null);

            /** Envelope keyReply */
            keyReply?: (cpsbackup.KeyReply.$Properties|null);

            /** Envelope keepAlive */
            keepAlive?: (cpsbackup.KeepAlive.$Properties|null);

            /** Envelope storageWait */
            storageWait?: (cpsbackup.StorageWait.$Properties|null);

            /** Envelope msg */
            msg?: ("hello"|"welcome"|"error"|"beginBackup"|"backupStarted"|"missingQuery"|"missingReply"|"chunk"|"listingChunk"|"endBackup"|"backupDone"|"listRequest"|"backupList"|"restoreRequest"|"restoreEnd"|"deleteRequest"|"deleteDone"|"abortBackup"|"warning"|"labelRequest"|"labelDone"|"enrolRequest"|"enrolDone"|"verifyRequest"|"verifyResult"|"readChunks"|"backupTree"|"keyRequest"|"keyReply"|"keepAlive"|"storageWait");

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Narrowed shape of an Envelope. */
        type $Shape = {
          hello?: cpsbackup.Hello.$Shape|null;
          welcome?: cpsbackup.Welcome.$Shape|null;
          error?: cpsbackup.Error.$Shape|null;
          beginBackup?: cpsbackup.BeginBackup.$Shape|null;
          backupStarted?: cpsbackup.BackupStarted.$Shape|null;
          missingQuery?: cpsbackup.MissingQuery.$Shape|null;
          missingReply?: cpsbackup.MissingReply.$Shape|null;
          chunk?: cpsbackup.Chunk.$Shape|null;
          listingChunk?: cpsbackup.ListingChunk.$Shape|null;
          endBackup?: cpsbackup.EndBackup.$Shape|null;
          backupDone?: cpsbackup.BackupDone.$Shape|null;
          listRequest?: cpsbackup.ListRequest.$Shape|null;
          backupList?: cpsbackup.BackupList.$Shape|null;
          restoreRequest?: cpsbackup.RestoreRequest.$Shape|null;
          restoreEnd?: cpsbackup.RestoreEnd.$Shape|null;
          deleteRequest?: cpsbackup.DeleteRequest.$Shape|null;
          deleteDone?: cpsbackup.DeleteDone.$Shape|null;
          abortBackup?: cpsbackup.AbortBackup.$Shape|null;
          warning?: cpsbackup.Warning.$Shape|null;
          labelRequest?: cpsbackup.LabelRequest.$Shape|null;
          labelDone?: cpsbackup.LabelDone.$Shape|null;
          enrolRequest?: cpsbackup.EnrolRequest.$Shape|null;
          enrolDone?: cpsbackup.EnrolDone.$Shape|null;
          verifyRequest?: cpsbackup.VerifyRequest.$Shape|null;
          verifyResult?: cpsbackup.VerifyResult.$Shape|null;
          readChunks?: cpsbackup.ReadChunks.$Shape|null;
          backupTree?: cpsbackup.BackupTree.$Shape|null;
          keyRequest?: cpsbackup.KeyRequest.$Shape|null;
          keyReply?: cpsbackup.KeyReply.$Shape|null;
          keepAlive?: cpsbackup.KeepAlive.$Shape|null;
          storageWait?: cpsbackup.StorageWait.$Shape|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ msg?: undefined; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "hello"; hello: cpsbackup.Hello.$Shape; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "welcome"; hello?: null; welcome: cpsbackup.Welcome.$Shape; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "error"; hello?: null; welcome?: null; error: cpsbackup.Error.$Shape; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "beginBackup"; hello?: null; welcome?: null; error?: null; beginBackup: cpsbackup.BeginBackup.$Shape; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "backupStarted"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted: cpsbackup.BackupStarted.$Shape; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "missingQuery"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery: cpsbackup.MissingQuery.$Shape; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "missingReply"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply: cpsbackup.MissingReply.$Shape; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "chunk"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk: cpsbackup.Chunk.$Shape; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "listingChunk"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk: cpsbackup.ListingChunk.$Shape; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "endBackup"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup: cpsbackup.EndBackup.$Shape; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "backupDone"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone: cpsbackup.BackupDone.$Shape; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "listRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest: cpsbackup.ListRequest.$Shape; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "backupList"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList: cpsbackup.BackupList.$Shape; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "restoreRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest: cpsbackup.RestoreRequest.$Shape; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "restoreEnd"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd: cpsbackup.RestoreEnd.$Shape; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "deleteRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest: cpsbackup.DeleteRequest.$Shape; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "deleteDone"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone: cpsbackup.DeleteDone.$Shape; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "abortBackup"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup: cpsbackup.AbortBackup.$Shape; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "warning"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning: cpsbackup.Warning.$Shape; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "labelRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest: cpsbackup.LabelRequest.$Shape; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "labelDone"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone: cpsbackup.LabelDone.$Shape; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "enrolRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest: cpsbackup.EnrolRequest.$Shape; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "enrolDone"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone: cpsbackup.EnrolDone.$Shape; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "verifyRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest: cpsbackup.VerifyRequest.$Shape; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "verifyResult"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult: cpsbackup.VerifyResult.$Shape; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "readChunks"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks: cpsbackup.ReadChunks.$Shape; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "backupTree"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree: cpsbackup.BackupTree.$Shape; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "keyRequest"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest: cpsbackup.KeyRequest.$Shape; keyReply?: null; keepAlive?: null; storageWait?: null }|{ msg?: "keyReply"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply: cpsbackup.KeyReply.$Shape; keepAlive?: null; storageWait?: null }|{ msg?: "keepAlive"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive: cpsbackup.KeepAlive.$Shape; storageWait?: null }|{ msg?: "storageWait"; hello?: null; welcome?: null; error?: null; beginBackup?: null; backupStarted?: null; missingQuery?: null; missingReply?: null; chunk?: null; listingChunk?: null; endBackup?: null; backupDone?: null; listRequest?: null; backupList?: null; restoreRequest?: null; restoreEnd?: null; deleteRequest?: null; deleteDone?: null; abortBackup?: null; warning?: null; labelRequest?: null; labelDone?: null; enrolRequest?: null; enrolDone?: null; verifyRequest?: null; verifyResult?: null; readChunks?: null; backupTree?: null; keyRequest?: null; keyReply?: null; keepAlive?: null; storageWait: cpsbackup.StorageWait.$Shape })
        );
    }

    /**
     * Properties of a Hello.
     * @deprecated Use cpsbackup.Hello.$Properties instead.
     */
    interface IHello extends cpsbackup.Hello.$Properties {
    }

    /** Represents a Hello. */
    class Hello {

        /**
         * Constructs a new Hello.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.Hello.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Hello protocolVersion. */
        protocolVersion: number;

        /** Hello clientName. */
        clientName: string;

        /** Hello agentVersion. */
        agentVersion: string;

        /** Hello keyId. */
        keyId: Uint8Array;

        /**
         * Creates a new Hello instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Hello instance
         */
        static create(properties: cpsbackup.Hello.$Shape): cpsbackup.Hello & cpsbackup.Hello.$Shape;
        static create(properties?: cpsbackup.Hello.$Properties): cpsbackup.Hello;

        /**
         * Encodes the specified Hello message. Does not implicitly {@link cpsbackup.Hello.verify|verify} messages.
         * @param message Hello message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.Hello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Hello message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.Hello & cpsbackup.Hello.$Shape} Hello
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.Hello & cpsbackup.Hello.$Shape;
    }

    namespace Hello {

        /** Properties of a Hello. */
        interface $Properties {

            /** Hello protocolVersion */
            protocolVersion?: (number|null);

            /** Hello clientName */
            clientName?: (string|null);

            /** Hello agentVersion */
            agentVersion?: (string|null);

            /** Hello keyId */
            keyId?: (Uint8Array|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Hello. */
        type $Shape = cpsbackup.Hello.$Properties;
    }

    /**
     * Properties of a Welcome.
     * @deprecated Use cpsbackup.Welcome.$Properties instead.
     */
    interface IWelcome extends cpsbackup.Welcome.$Properties {
    }

    /** Represents a Welcome. */
    class Welcome {

        /**
         * Constructs a new Welcome.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.Welcome.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Welcome protocolVersion. */
        protocolVersion: number;

        /** Welcome serverVersion. */
        serverVersion: string;

        /** Welcome chunker. */
        chunker?: (cpsbackup.ChunkerParams.$Properties|null);

        /** Welcome maxFrameBytes. */
        maxFrameBytes: number;

        /** Welcome idleTimeoutMs. */
        idleTimeoutMs: number;

        /**
         * Creates a new Welcome instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Welcome instance
         */
        static create(properties: cpsbackup.Welcome.$Shape): cpsbackup.Welcome & cpsbackup.Welcome.$Shape;
        static create(properties?: cpsbackup.Welcome.$Properties): cpsbackup.Welcome;

        /**
         * Encodes the specified Welcome message. Does not implicitly {@link cpsbackup.Welcome.verify|verify} messages.
         * @param message Welcome message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.Welcome.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Welcome message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.Welcome & cpsbackup.Welcome.$Shape} Welcome
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.Welcome & cpsbackup.Welcome.$Shape;
    }

    namespace Welcome {

        /** Properties of a Welcome. */
        interface $Properties {

            /** Welcome protocolVersion */
            protocolVersion?: (number|null);

            /** Welcome serverVersion */
            serverVersion?: (string|null);

            /** Welcome chunker */
            chunker?: (cpsbackup.ChunkerParams.$Properties|null);

            /** Welcome maxFrameBytes */
            maxFrameBytes?: (number|null);

            /** Welcome idleTimeoutMs */
            idleTimeoutMs?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Welcome. */
        type $Shape = cpsbackup.Welcome.$Properties;
    }

    /**
     * Properties of a KeepAlive.
     * @deprecated Use cpsbackup.KeepAlive.$Properties instead.
     */
    interface IKeepAlive extends cpsbackup.KeepAlive.$Properties {
    }

    /** Represents a KeepAlive. */
    class KeepAlive {

        /**
         * Constructs a new KeepAlive.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.KeepAlive.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /**
         * Creates a new KeepAlive instance using the specified properties.
         * @param [properties] Properties to set
         * @returns KeepAlive instance
         */
        static create(properties: cpsbackup.KeepAlive.$Shape): cpsbackup.KeepAlive & cpsbackup.KeepAlive.$Shape;
        static create(properties?: cpsbackup.KeepAlive.$Properties): cpsbackup.KeepAlive;

        /**
         * Encodes the specified KeepAlive message. Does not implicitly {@link cpsbackup.KeepAlive.verify|verify} messages.
         * @param message KeepAlive message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.KeepAlive.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a KeepAlive message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.KeepAlive & cpsbackup.KeepAlive.$Shape} KeepAlive
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.KeepAlive & cpsbackup.KeepAlive.$Shape;
    }

    namespace KeepAlive {

        /** Properties of a KeepAlive. */
        interface $Properties {

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a KeepAlive. */
        type $Shape = cpsbackup.KeepAlive.$Properties;
    }

    /**
     * Properties of a StorageWait.
     * @deprecated Use cpsbackup.StorageWait.$Properties instead.
     */
    interface IStorageWait extends cpsbackup.StorageWait.$Properties {
    }

    /** Represents a StorageWait. */
    class StorageWait {

        /**
         * Constructs a new StorageWait.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.StorageWait.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** StorageWait waiting. */
        waiting: boolean;

        /** StorageWait sinceMs. */
        sinceMs: (number|Long);

        /** StorageWait attempts. */
        attempts: number;

        /** StorageWait retryTimeS. */
        retryTimeS: number;

        /**
         * Creates a new StorageWait instance using the specified properties.
         * @param [properties] Properties to set
         * @returns StorageWait instance
         */
        static create(properties: cpsbackup.StorageWait.$Shape): cpsbackup.StorageWait & cpsbackup.StorageWait.$Shape;
        static create(properties?: cpsbackup.StorageWait.$Properties): cpsbackup.StorageWait;

        /**
         * Encodes the specified StorageWait message. Does not implicitly {@link cpsbackup.StorageWait.verify|verify} messages.
         * @param message StorageWait message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.StorageWait.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a StorageWait message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.StorageWait & cpsbackup.StorageWait.$Shape} StorageWait
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.StorageWait & cpsbackup.StorageWait.$Shape;
    }

    namespace StorageWait {

        /** Properties of a StorageWait. */
        interface $Properties {

            /** StorageWait waiting */
            waiting?: (boolean|null);

            /** StorageWait sinceMs */
            sinceMs?: (number|Long|null);

            /** StorageWait attempts */
            attempts?: (number|null);

            /** StorageWait retryTimeS */
            retryTimeS?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a StorageWait. */
        type $Shape = cpsbackup.StorageWait.$Properties;
    }

    /**
     * Properties of a ChunkerParams.
     * @deprecated Use cpsbackup.ChunkerParams.$Properties instead.
     */
    interface IChunkerParams extends cpsbackup.ChunkerParams.$Properties {
    }

    /** Represents a ChunkerParams. */
    class ChunkerParams {

        /**
         * Constructs a new ChunkerParams.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.ChunkerParams.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** ChunkerParams minSize. */
        minSize: number;

        /** ChunkerParams avgSize. */
        avgSize: number;

        /** ChunkerParams maxSize. */
        maxSize: number;

        /**
         * Creates a new ChunkerParams instance using the specified properties.
         * @param [properties] Properties to set
         * @returns ChunkerParams instance
         */
        static create(properties: cpsbackup.ChunkerParams.$Shape): cpsbackup.ChunkerParams & cpsbackup.ChunkerParams.$Shape;
        static create(properties?: cpsbackup.ChunkerParams.$Properties): cpsbackup.ChunkerParams;

        /**
         * Encodes the specified ChunkerParams message. Does not implicitly {@link cpsbackup.ChunkerParams.verify|verify} messages.
         * @param message ChunkerParams message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.ChunkerParams.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a ChunkerParams message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.ChunkerParams & cpsbackup.ChunkerParams.$Shape} ChunkerParams
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.ChunkerParams & cpsbackup.ChunkerParams.$Shape;
    }

    namespace ChunkerParams {

        /** Properties of a ChunkerParams. */
        interface $Properties {

            /** ChunkerParams minSize */
            minSize?: (number|null);

            /** ChunkerParams avgSize */
            avgSize?: (number|null);

            /** ChunkerParams maxSize */
            maxSize?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a ChunkerParams. */
        type $Shape = cpsbackup.ChunkerParams.$Properties;
    }

    /**
     * Properties of an Error.
     * @deprecated Use cpsbackup.Error.$Properties instead.
     */
    interface IError extends cpsbackup.Error.$Properties {
    }

    /** Represents an Error. */
    class Error {

        /**
         * Constructs a new Error.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.Error.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Error code. */
        code: string;

        /** Error message. */
        message: string;

        /**
         * Creates a new Error instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Error instance
         */
        static create(properties: cpsbackup.Error.$Shape): cpsbackup.Error & cpsbackup.Error.$Shape;
        static create(properties?: cpsbackup.Error.$Properties): cpsbackup.Error;

        /**
         * Encodes the specified Error message. Does not implicitly {@link cpsbackup.Error.verify|verify} messages.
         * @param message Error message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an Error message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.Error & cpsbackup.Error.$Shape} Error
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.Error & cpsbackup.Error.$Shape;
    }

    namespace Error {

        /** Properties of an Error. */
        interface $Properties {

            /** Error code */
            code?: (string|null);

            /** Error message */
            message?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an Error. */
        type $Shape = cpsbackup.Error.$Properties;
    }

    /**
     * Properties of a BeginBackup.
     * @deprecated Use cpsbackup.BeginBackup.$Properties instead.
     */
    interface IBeginBackup extends cpsbackup.BeginBackup.$Properties {
    }

    /** Represents a BeginBackup. */
    class BeginBackup {

        /**
         * Constructs a new BeginBackup.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.BeginBackup.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** BeginBackup name. */
        name: string;

        /** BeginBackup description. */
        description: string;

        /** BeginBackup full. */
        full: boolean;

        /**
         * Creates a new BeginBackup instance using the specified properties.
         * @param [properties] Properties to set
         * @returns BeginBackup instance
         */
        static create(properties: cpsbackup.BeginBackup.$Shape): cpsbackup.BeginBackup & cpsbackup.BeginBackup.$Shape;
        static create(properties?: cpsbackup.BeginBackup.$Properties): cpsbackup.BeginBackup;

        /**
         * Encodes the specified BeginBackup message. Does not implicitly {@link cpsbackup.BeginBackup.verify|verify} messages.
         * @param message BeginBackup message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.BeginBackup.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a BeginBackup message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.BeginBackup & cpsbackup.BeginBackup.$Shape} BeginBackup
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.BeginBackup & cpsbackup.BeginBackup.$Shape;
    }

    namespace BeginBackup {

        /** Properties of a BeginBackup. */
        interface $Properties {

            /** BeginBackup name */
            name?: (string|null);

            /** BeginBackup description */
            description?: (string|null);

            /** BeginBackup full */
            full?: (boolean|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a BeginBackup. */
        type $Shape = cpsbackup.BeginBackup.$Properties;
    }

    /**
     * Properties of a BackupStarted.
     * @deprecated Use cpsbackup.BackupStarted.$Properties instead.
     */
    interface IBackupStarted extends cpsbackup.BackupStarted.$Properties {
    }

    /** Represents a BackupStarted. */
    class BackupStarted {

        /**
         * Constructs a new BackupStarted.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.BackupStarted.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** BackupStarted number. */
        number: (number|Long);

        /** BackupStarted parentNumber. */
        parentNumber: (number|Long);

        /** BackupStarted parentBytes. */
        parentBytes: (number|Long);

        /** BackupStarted parentRoot. */
        parentRoot: Uint8Array[];

        /** BackupStarted parentFormat. */
        parentFormat: number;

        /**
         * Creates a new BackupStarted instance using the specified properties.
         * @param [properties] Properties to set
         * @returns BackupStarted instance
         */
        static create(properties: cpsbackup.BackupStarted.$Shape): cpsbackup.BackupStarted & cpsbackup.BackupStarted.$Shape;
        static create(properties?: cpsbackup.BackupStarted.$Properties): cpsbackup.BackupStarted;

        /**
         * Encodes the specified BackupStarted message. Does not implicitly {@link cpsbackup.BackupStarted.verify|verify} messages.
         * @param message BackupStarted message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.BackupStarted.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a BackupStarted message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.BackupStarted & cpsbackup.BackupStarted.$Shape} BackupStarted
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.BackupStarted & cpsbackup.BackupStarted.$Shape;
    }

    namespace BackupStarted {

        /** Properties of a BackupStarted. */
        interface $Properties {

            /** BackupStarted number */
            number?: (number|Long|null);

            /** BackupStarted parentNumber */
            parentNumber?: (number|Long|null);

            /** BackupStarted parentBytes */
            parentBytes?: (number|Long|null);

            /** BackupStarted parentRoot */
            parentRoot?: (Uint8Array[]|null);

            /** BackupStarted parentFormat */
            parentFormat?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a BackupStarted. */
        type $Shape = cpsbackup.BackupStarted.$Properties;
    }

    /**
     * Properties of a MissingQuery.
     * @deprecated Use cpsbackup.MissingQuery.$Properties instead.
     */
    interface IMissingQuery extends cpsbackup.MissingQuery.$Properties {
    }

    /** Represents a MissingQuery. */
    class MissingQuery {

        /**
         * Constructs a new MissingQuery.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.MissingQuery.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** MissingQuery queryId. */
        queryId: (number|Long);

        /** MissingQuery ids. */
        ids: Uint8Array[];

        /**
         * Creates a new MissingQuery instance using the specified properties.
         * @param [properties] Properties to set
         * @returns MissingQuery instance
         */
        static create(properties: cpsbackup.MissingQuery.$Shape): cpsbackup.MissingQuery & cpsbackup.MissingQuery.$Shape;
        static create(properties?: cpsbackup.MissingQuery.$Properties): cpsbackup.MissingQuery;

        /**
         * Encodes the specified MissingQuery message. Does not implicitly {@link cpsbackup.MissingQuery.verify|verify} messages.
         * @param message MissingQuery message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.MissingQuery.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a MissingQuery message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.MissingQuery & cpsbackup.MissingQuery.$Shape} MissingQuery
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.MissingQuery & cpsbackup.MissingQuery.$Shape;
    }

    namespace MissingQuery {

        /** Properties of a MissingQuery. */
        interface $Properties {

            /** MissingQuery queryId */
            queryId?: (number|Long|null);

            /** MissingQuery ids */
            ids?: (Uint8Array[]|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a MissingQuery. */
        type $Shape = cpsbackup.MissingQuery.$Properties;
    }

    /**
     * Properties of a MissingReply.
     * @deprecated Use cpsbackup.MissingReply.$Properties instead.
     */
    interface IMissingReply extends cpsbackup.MissingReply.$Properties {
    }

    /** Represents a MissingReply. */
    class MissingReply {

        /**
         * Constructs a new MissingReply.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.MissingReply.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** MissingReply queryId. */
        queryId: (number|Long);

        /** MissingReply missing. */
        missing: number[];

        /**
         * Creates a new MissingReply instance using the specified properties.
         * @param [properties] Properties to set
         * @returns MissingReply instance
         */
        static create(properties: cpsbackup.MissingReply.$Shape): cpsbackup.MissingReply & cpsbackup.MissingReply.$Shape;
        static create(properties?: cpsbackup.MissingReply.$Properties): cpsbackup.MissingReply;

        /**
         * Encodes the specified MissingReply message. Does not implicitly {@link cpsbackup.MissingReply.verify|verify} messages.
         * @param message MissingReply message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.MissingReply.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a MissingReply message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.MissingReply & cpsbackup.MissingReply.$Shape} MissingReply
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.MissingReply & cpsbackup.MissingReply.$Shape;
    }

    namespace MissingReply {

        /** Properties of a MissingReply. */
        interface $Properties {

            /** MissingReply queryId */
            queryId?: (number|Long|null);

            /** MissingReply missing */
            missing?: (number[]|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a MissingReply. */
        type $Shape = cpsbackup.MissingReply.$Properties;
    }

    /**
     * Properties of a Chunk.
     * @deprecated Use cpsbackup.Chunk.$Properties instead.
     */
    interface IChunk extends cpsbackup.Chunk.$Properties {
    }

    /** Represents a Chunk. */
    class Chunk {

        /**
         * Constructs a new Chunk.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.Chunk.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Chunk id. */
        id: Uint8Array;

        /** Chunk codec. */
        codec: number;

        /** Chunk rawLength. */
        rawLength: number;

        /** Chunk payload. */
        payload: Uint8Array;

        /**
         * Creates a new Chunk instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Chunk instance
         */
        static create(properties: cpsbackup.Chunk.$Shape): cpsbackup.Chunk & cpsbackup.Chunk.$Shape;
        static create(properties?: cpsbackup.Chunk.$Properties): cpsbackup.Chunk;

        /**
         * Encodes the specified Chunk message. Does not implicitly {@link cpsbackup.Chunk.verify|verify} messages.
         * @param message Chunk message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.Chunk.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Chunk message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.Chunk & cpsbackup.Chunk.$Shape} Chunk
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.Chunk & cpsbackup.Chunk.$Shape;
    }

    namespace Chunk {

        /** Properties of a Chunk. */
        interface $Properties {

            /** Chunk id */
            id?: (Uint8Array|null);

            /** Chunk codec */
            codec?: (number|null);

            /** Chunk rawLength */
            rawLength?: (number|null);

            /** Chunk payload */
            payload?: (Uint8Array|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Chunk. */
        type $Shape = cpsbackup.Chunk.$Properties;
    }

    /**
     * Properties of a ListingChunk.
     * @deprecated Use cpsbackup.ListingChunk.$Properties instead.
     */
    interface IListingChunk extends cpsbackup.ListingChunk.$Properties {
    }

    /** Represents a ListingChunk. */
    class ListingChunk {

        /**
         * Constructs a new ListingChunk.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.ListingChunk.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** ListingChunk id. */
        id: Uint8Array;

        /** ListingChunk codec. */
        codec: number;

        /** ListingChunk rawLength. */
        rawLength: number;

        /** ListingChunk payload. */
        payload: Uint8Array;

        /** ListingChunk refs. */
        refs: Uint8Array;

        /** ListingChunk listingRefs. */
        listingRefs: number;

        /**
         * Creates a new ListingChunk instance using the specified properties.
         * @param [properties] Properties to set
         * @returns ListingChunk instance
         */
        static create(properties: cpsbackup.ListingChunk.$Shape): cpsbackup.ListingChunk & cpsbackup.ListingChunk.$Shape;
        static create(properties?: cpsbackup.ListingChunk.$Properties): cpsbackup.ListingChunk;

        /**
         * Encodes the specified ListingChunk message. Does not implicitly {@link cpsbackup.ListingChunk.verify|verify} messages.
         * @param message ListingChunk message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.ListingChunk.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a ListingChunk message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.ListingChunk & cpsbackup.ListingChunk.$Shape} ListingChunk
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.ListingChunk & cpsbackup.ListingChunk.$Shape;
    }

    namespace ListingChunk {

        /** Properties of a ListingChunk. */
        interface $Properties {

            /** ListingChunk id */
            id?: (Uint8Array|null);

            /** ListingChunk codec */
            codec?: (number|null);

            /** ListingChunk rawLength */
            rawLength?: (number|null);

            /** ListingChunk payload */
            payload?: (Uint8Array|null);

            /** ListingChunk refs */
            refs?: (Uint8Array|null);

            /** ListingChunk listingRefs */
            listingRefs?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a ListingChunk. */
        type $Shape = cpsbackup.ListingChunk.$Properties;
    }

    /**
     * Properties of a Warning.
     * @deprecated Use cpsbackup.Warning.$Properties instead.
     */
    interface IWarning extends cpsbackup.Warning.$Properties {
    }

    /** Represents a Warning. */
    class Warning {

        /**
         * Constructs a new Warning.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.Warning.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Warning message. */
        message: string;

        /**
         * Creates a new Warning instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Warning instance
         */
        static create(properties: cpsbackup.Warning.$Shape): cpsbackup.Warning & cpsbackup.Warning.$Shape;
        static create(properties?: cpsbackup.Warning.$Properties): cpsbackup.Warning;

        /**
         * Encodes the specified Warning message. Does not implicitly {@link cpsbackup.Warning.verify|verify} messages.
         * @param message Warning message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.Warning.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Warning message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.Warning & cpsbackup.Warning.$Shape} Warning
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.Warning & cpsbackup.Warning.$Shape;
    }

    namespace Warning {

        /** Properties of a Warning. */
        interface $Properties {

            /** Warning message */
            message?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Warning. */
        type $Shape = cpsbackup.Warning.$Properties;
    }

    /**
     * Properties of an EndBackup.
     * @deprecated Use cpsbackup.EndBackup.$Properties instead.
     */
    interface IEndBackup extends cpsbackup.EndBackup.$Properties {
    }

    /** Represents an EndBackup. */
    class EndBackup {

        /**
         * Constructs a new EndBackup.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.EndBackup.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** EndBackup partialReasons. */
        partialReasons: string[];

        /** EndBackup root. */
        root: Uint8Array[];

        /** EndBackup fileCount. */
        fileCount: (number|Long);

        /** EndBackup logicalBytes. */
        logicalBytes: (number|Long);

        /**
         * Creates a new EndBackup instance using the specified properties.
         * @param [properties] Properties to set
         * @returns EndBackup instance
         */
        static create(properties: cpsbackup.EndBackup.$Shape): cpsbackup.EndBackup & cpsbackup.EndBackup.$Shape;
        static create(properties?: cpsbackup.EndBackup.$Properties): cpsbackup.EndBackup;

        /**
         * Encodes the specified EndBackup message. Does not implicitly {@link cpsbackup.EndBackup.verify|verify} messages.
         * @param message EndBackup message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.EndBackup.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an EndBackup message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.EndBackup & cpsbackup.EndBackup.$Shape} EndBackup
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.EndBackup & cpsbackup.EndBackup.$Shape;
    }

    namespace EndBackup {

        /** Properties of an EndBackup. */
        interface $Properties {

            /** EndBackup partialReasons */
            partialReasons?: (string[]|null);

            /** EndBackup root */
            root?: (Uint8Array[]|null);

            /** EndBackup fileCount */
            fileCount?: (number|Long|null);

            /** EndBackup logicalBytes */
            logicalBytes?: (number|Long|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an EndBackup. */
        type $Shape = cpsbackup.EndBackup.$Properties;
    }

    /**
     * Properties of an AbortBackup.
     * @deprecated Use cpsbackup.AbortBackup.$Properties instead.
     */
    interface IAbortBackup extends cpsbackup.AbortBackup.$Properties {
    }

    /** Represents an AbortBackup. */
    class AbortBackup {

        /**
         * Constructs a new AbortBackup.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.AbortBackup.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** AbortBackup reason. */
        reason: string;

        /**
         * Creates a new AbortBackup instance using the specified properties.
         * @param [properties] Properties to set
         * @returns AbortBackup instance
         */
        static create(properties: cpsbackup.AbortBackup.$Shape): cpsbackup.AbortBackup & cpsbackup.AbortBackup.$Shape;
        static create(properties?: cpsbackup.AbortBackup.$Properties): cpsbackup.AbortBackup;

        /**
         * Encodes the specified AbortBackup message. Does not implicitly {@link cpsbackup.AbortBackup.verify|verify} messages.
         * @param message AbortBackup message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.AbortBackup.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an AbortBackup message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.AbortBackup & cpsbackup.AbortBackup.$Shape} AbortBackup
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.AbortBackup & cpsbackup.AbortBackup.$Shape;
    }

    namespace AbortBackup {

        /** Properties of an AbortBackup. */
        interface $Properties {

            /** AbortBackup reason */
            reason?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an AbortBackup. */
        type $Shape = cpsbackup.AbortBackup.$Properties;
    }

    /**
     * Properties of a BackupDone.
     * @deprecated Use cpsbackup.BackupDone.$Properties instead.
     */
    interface IBackupDone extends cpsbackup.BackupDone.$Properties {
    }

    /** Represents a BackupDone. */
    class BackupDone {

        /**
         * Constructs a new BackupDone.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.BackupDone.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** BackupDone backup. */
        backup?: (cpsbackup.BackupSummary.$Properties|null);

        /**
         * Creates a new BackupDone instance using the specified properties.
         * @param [properties] Properties to set
         * @returns BackupDone instance
         */
        static create(properties: cpsbackup.BackupDone.$Shape): cpsbackup.BackupDone & cpsbackup.BackupDone.$Shape;
        static create(properties?: cpsbackup.BackupDone.$Properties): cpsbackup.BackupDone;

        /**
         * Encodes the specified BackupDone message. Does not implicitly {@link cpsbackup.BackupDone.verify|verify} messages.
         * @param message BackupDone message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.BackupDone.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a BackupDone message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.BackupDone & cpsbackup.BackupDone.$Shape} BackupDone
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.BackupDone & cpsbackup.BackupDone.$Shape;
    }

    namespace BackupDone {

        /** Properties of a BackupDone. */
        interface $Properties {

            /** BackupDone backup */
            backup?: (cpsbackup.BackupSummary.$Properties|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a BackupDone. */
        type $Shape = cpsbackup.BackupDone.$Properties;
    }

    /**
     * Properties of a BackupSummary.
     * @deprecated Use cpsbackup.BackupSummary.$Properties instead.
     */
    interface IBackupSummary extends cpsbackup.BackupSummary.$Properties {
    }

    /** Represents a BackupSummary. */
    class BackupSummary {

        /**
         * Constructs a new BackupSummary.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.BackupSummary.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** BackupSummary number. */
        number: (number|Long);

        /** BackupSummary parentNumber. */
        parentNumber: (number|Long);

        /** BackupSummary status. */
        status: string;

        /** BackupSummary reason. */
        reason: string;

        /** BackupSummary name. */
        name: string;

        /** BackupSummary description. */
        description: string;

        /** BackupSummary startedAtMs. */
        startedAtMs: (number|Long);

        /** BackupSummary finishedAtMs. */
        finishedAtMs: (number|Long);

        /** BackupSummary fileCount. */
        fileCount: (number|Long);

        /** BackupSummary logicalBytes. */
        logicalBytes: (number|Long);

        /** BackupSummary newChunks. */
        newChunks: (number|Long);

        /** BackupSummary newRawBytes. */
        newRawBytes: (number|Long);

        /** BackupSummary newStoredBytes. */
        newStoredBytes: (number|Long);

        /** BackupSummary warnings. */
        warnings: string[];

        /** BackupSummary warningCount. */
        warningCount: (number|Long);

        /** BackupSummary partial. */
        partial: string;

        /** BackupSummary keyId. */
        keyId: Uint8Array;

        /**
         * Creates a new BackupSummary instance using the specified properties.
         * @param [properties] Properties to set
         * @returns BackupSummary instance
         */
        static create(properties: cpsbackup.BackupSummary.$Shape): cpsbackup.BackupSummary & cpsbackup.BackupSummary.$Shape;
        static create(properties?: cpsbackup.BackupSummary.$Properties): cpsbackup.BackupSummary;

        /**
         * Encodes the specified BackupSummary message. Does not implicitly {@link cpsbackup.BackupSummary.verify|verify} messages.
         * @param message BackupSummary message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.BackupSummary.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a BackupSummary message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.BackupSummary & cpsbackup.BackupSummary.$Shape} BackupSummary
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.BackupSummary & cpsbackup.BackupSummary.$Shape;
    }

    namespace BackupSummary {

        /** Properties of a BackupSummary. */
        interface $Properties {

            /** BackupSummary number */
            number?: (number|Long|null);

            /** BackupSummary parentNumber */
            parentNumber?: (number|Long|null);

            /** BackupSummary status */
            status?: (string|null);

            /** BackupSummary reason */
            reason?: (string|null);

            /** BackupSummary name */
            name?: (string|null);

            /** BackupSummary description */
            description?: (string|null);

            /** BackupSummary startedAtMs */
            startedAtMs?: (number|Long|null);

            /** BackupSummary finishedAtMs */
            finishedAtMs?: (number|Long|null);

            /** BackupSummary fileCount */
            fileCount?: (number|Long|null);

            /** BackupSummary logicalBytes */
            logicalBytes?: (number|Long|null);

            /** BackupSummary newChunks */
            newChunks?: (number|Long|null);

            /** BackupSummary newRawBytes */
            newRawBytes?: (number|Long|null);

            /** BackupSummary newStoredBytes */
            newStoredBytes?: (number|Long|null);

            /** BackupSummary warnings */
            warnings?: (string[]|null);

            /** BackupSummary warningCount */
            warningCount?: (number|Long|null);

            /** BackupSummary partial */
            partial?: (string|null);

            /** BackupSummary keyId */
            keyId?: (Uint8Array|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a BackupSummary. */
        type $Shape = cpsbackup.BackupSummary.$Properties;
    }

    /**
     * Properties of a ListRequest.
     * @deprecated Use cpsbackup.ListRequest.$Properties instead.
     */
    interface IListRequest extends cpsbackup.ListRequest.$Properties {
    }

    /** Represents a ListRequest. */
    class ListRequest {

        /**
         * Constructs a new ListRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.ListRequest.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** ListRequest client. */
        client: string;

        /**
         * Creates a new ListRequest instance using the specified properties.
         * @param [properties] Properties to set
         * @returns ListRequest instance
         */
        static create(properties: cpsbackup.ListRequest.$Shape): cpsbackup.ListRequest & cpsbackup.ListRequest.$Shape;
        static create(properties?: cpsbackup.ListRequest.$Properties): cpsbackup.ListRequest;

        /**
         * Encodes the specified ListRequest message. Does not implicitly {@link cpsbackup.ListRequest.verify|verify} messages.
         * @param message ListRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.ListRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a ListRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.ListRequest & cpsbackup.ListRequest.$Shape} ListRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.ListRequest & cpsbackup.ListRequest.$Shape;
    }

    namespace ListRequest {

        /** Properties of a ListRequest. */
        interface $Properties {

            /** ListRequest client */
            client?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a ListRequest. */
        type $Shape = cpsbackup.ListRequest.$Properties;
    }

    /**
     * Properties of a BackupList.
     * @deprecated Use cpsbackup.BackupList.$Properties instead.
     */
    interface IBackupList extends cpsbackup.BackupList.$Properties {
    }

    /** Represents a BackupList. */
    class BackupList {

        /**
         * Constructs a new BackupList.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.BackupList.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** BackupList backups. */
        backups: cpsbackup.BackupSummary.$Properties[];

        /** BackupList usage. */
        usage?: (cpsbackup.Usage.$Properties|null);

        /**
         * Creates a new BackupList instance using the specified properties.
         * @param [properties] Properties to set
         * @returns BackupList instance
         */
        static create(properties: cpsbackup.BackupList.$Shape): cpsbackup.BackupList & cpsbackup.BackupList.$Shape;
        static create(properties?: cpsbackup.BackupList.$Properties): cpsbackup.BackupList;

        /**
         * Encodes the specified BackupList message. Does not implicitly {@link cpsbackup.BackupList.verify|verify} messages.
         * @param message BackupList message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.BackupList.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a BackupList message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.BackupList & cpsbackup.BackupList.$Shape} BackupList
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.BackupList & cpsbackup.BackupList.$Shape;
    }

    namespace BackupList {

        /** Properties of a BackupList. */
        interface $Properties {

            /** BackupList backups */
            backups?: (cpsbackup.BackupSummary.$Properties[]|null);

            /** BackupList usage */
            usage?: (cpsbackup.Usage.$Properties|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a BackupList. */
        type $Shape = cpsbackup.BackupList.$Properties;
    }

    /**
     * Properties of a Usage.
     * @deprecated Use cpsbackup.Usage.$Properties instead.
     */
    interface IUsage extends cpsbackup.Usage.$Properties {
    }

    /** Represents a Usage. */
    class Usage {

        /**
         * Constructs a new Usage.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.Usage.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** Usage backups. */
        backups: (number|Long);

        /** Usage storedBytes. */
        storedBytes: (number|Long);

        /** Usage quotaBackups. */
        quotaBackups: (number|Long);

        /** Usage quotaBytes. */
        quotaBytes: (number|Long);

        /** Usage canDelete. */
        canDelete: boolean;

        /** Usage canRestore. */
        canRestore: boolean;

        /**
         * Creates a new Usage instance using the specified properties.
         * @param [properties] Properties to set
         * @returns Usage instance
         */
        static create(properties: cpsbackup.Usage.$Shape): cpsbackup.Usage & cpsbackup.Usage.$Shape;
        static create(properties?: cpsbackup.Usage.$Properties): cpsbackup.Usage;

        /**
         * Encodes the specified Usage message. Does not implicitly {@link cpsbackup.Usage.verify|verify} messages.
         * @param message Usage message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.Usage.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a Usage message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.Usage & cpsbackup.Usage.$Shape} Usage
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.Usage & cpsbackup.Usage.$Shape;
    }

    namespace Usage {

        /** Properties of a Usage. */
        interface $Properties {

            /** Usage backups */
            backups?: (number|Long|null);

            /** Usage storedBytes */
            storedBytes?: (number|Long|null);

            /** Usage quotaBackups */
            quotaBackups?: (number|Long|null);

            /** Usage quotaBytes */
            quotaBytes?: (number|Long|null);

            /** Usage canDelete */
            canDelete?: (boolean|null);

            /** Usage canRestore */
            canRestore?: (boolean|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a Usage. */
        type $Shape = cpsbackup.Usage.$Properties;
    }

    /**
     * Properties of a LabelRequest.
     * @deprecated Use cpsbackup.LabelRequest.$Properties instead.
     */
    interface ILabelRequest extends cpsbackup.LabelRequest.$Properties {
    }

    /** Represents a LabelRequest. */
    class LabelRequest {

        /**
         * Constructs a new LabelRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.LabelRequest.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** LabelRequest number. */
        number: (number|Long);

        /** LabelRequest name. */
        name: string;

        /** LabelRequest description. */
        description: string;

        /**
         * Creates a new LabelRequest instance using the specified properties.
         * @param [properties] Properties to set
         * @returns LabelRequest instance
         */
        static create(properties: cpsbackup.LabelRequest.$Shape): cpsbackup.LabelRequest & cpsbackup.LabelRequest.$Shape;
        static create(properties?: cpsbackup.LabelRequest.$Properties): cpsbackup.LabelRequest;

        /**
         * Encodes the specified LabelRequest message. Does not implicitly {@link cpsbackup.LabelRequest.verify|verify} messages.
         * @param message LabelRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.LabelRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a LabelRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.LabelRequest & cpsbackup.LabelRequest.$Shape} LabelRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.LabelRequest & cpsbackup.LabelRequest.$Shape;
    }

    namespace LabelRequest {

        /** Properties of a LabelRequest. */
        interface $Properties {

            /** LabelRequest number */
            number?: (number|Long|null);

            /** LabelRequest name */
            name?: (string|null);

            /** LabelRequest description */
            description?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a LabelRequest. */
        type $Shape = cpsbackup.LabelRequest.$Properties;
    }

    /**
     * Properties of a LabelDone.
     * @deprecated Use cpsbackup.LabelDone.$Properties instead.
     */
    interface ILabelDone extends cpsbackup.LabelDone.$Properties {
    }

    /** Represents a LabelDone. */
    class LabelDone {

        /**
         * Constructs a new LabelDone.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.LabelDone.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** LabelDone backup. */
        backup?: (cpsbackup.BackupSummary.$Properties|null);

        /**
         * Creates a new LabelDone instance using the specified properties.
         * @param [properties] Properties to set
         * @returns LabelDone instance
         */
        static create(properties: cpsbackup.LabelDone.$Shape): cpsbackup.LabelDone & cpsbackup.LabelDone.$Shape;
        static create(properties?: cpsbackup.LabelDone.$Properties): cpsbackup.LabelDone;

        /**
         * Encodes the specified LabelDone message. Does not implicitly {@link cpsbackup.LabelDone.verify|verify} messages.
         * @param message LabelDone message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.LabelDone.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a LabelDone message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.LabelDone & cpsbackup.LabelDone.$Shape} LabelDone
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.LabelDone & cpsbackup.LabelDone.$Shape;
    }

    namespace LabelDone {

        /** Properties of a LabelDone. */
        interface $Properties {

            /** LabelDone backup */
            backup?: (cpsbackup.BackupSummary.$Properties|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a LabelDone. */
        type $Shape = cpsbackup.LabelDone.$Properties;
    }

    /**
     * Properties of a RestoreRequest.
     * @deprecated Use cpsbackup.RestoreRequest.$Properties instead.
     */
    interface IRestoreRequest extends cpsbackup.RestoreRequest.$Properties {
    }

    /** Represents a RestoreRequest. */
    class RestoreRequest {

        /**
         * Constructs a new RestoreRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.RestoreRequest.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** RestoreRequest number. */
        number: (number|Long);

        /** RestoreRequest metadataOnly. */
        metadataOnly: boolean;

        /** RestoreRequest client. */
        client: string;

        /**
         * Creates a new RestoreRequest instance using the specified properties.
         * @param [properties] Properties to set
         * @returns RestoreRequest instance
         */
        static create(properties: cpsbackup.RestoreRequest.$Shape): cpsbackup.RestoreRequest & cpsbackup.RestoreRequest.$Shape;
        static create(properties?: cpsbackup.RestoreRequest.$Properties): cpsbackup.RestoreRequest;

        /**
         * Encodes the specified RestoreRequest message. Does not implicitly {@link cpsbackup.RestoreRequest.verify|verify} messages.
         * @param message RestoreRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.RestoreRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a RestoreRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.RestoreRequest & cpsbackup.RestoreRequest.$Shape} RestoreRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.RestoreRequest & cpsbackup.RestoreRequest.$Shape;
    }

    namespace RestoreRequest {

        /** Properties of a RestoreRequest. */
        interface $Properties {

            /** RestoreRequest number */
            number?: (number|Long|null);

            /** RestoreRequest metadataOnly */
            metadataOnly?: (boolean|null);

            /** RestoreRequest client */
            client?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a RestoreRequest. */
        type $Shape = cpsbackup.RestoreRequest.$Properties;
    }

    /**
     * Properties of a RestoreEnd.
     * @deprecated Use cpsbackup.RestoreEnd.$Properties instead.
     */
    interface IRestoreEnd extends cpsbackup.RestoreEnd.$Properties {
    }

    /** Represents a RestoreEnd. */
    class RestoreEnd {

        /**
         * Constructs a new RestoreEnd.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.RestoreEnd.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** RestoreEnd backup. */
        backup?: (cpsbackup.BackupSummary.$Properties|null);

        /** RestoreEnd entries. */
        entries: (number|Long);

        /** RestoreEnd bytes. */
        bytes: (number|Long);

        /**
         * Creates a new RestoreEnd instance using the specified properties.
         * @param [properties] Properties to set
         * @returns RestoreEnd instance
         */
        static create(properties: cpsbackup.RestoreEnd.$Shape): cpsbackup.RestoreEnd & cpsbackup.RestoreEnd.$Shape;
        static create(properties?: cpsbackup.RestoreEnd.$Properties): cpsbackup.RestoreEnd;

        /**
         * Encodes the specified RestoreEnd message. Does not implicitly {@link cpsbackup.RestoreEnd.verify|verify} messages.
         * @param message RestoreEnd message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.RestoreEnd.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a RestoreEnd message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.RestoreEnd & cpsbackup.RestoreEnd.$Shape} RestoreEnd
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.RestoreEnd & cpsbackup.RestoreEnd.$Shape;
    }

    namespace RestoreEnd {

        /** Properties of a RestoreEnd. */
        interface $Properties {

            /** RestoreEnd backup */
            backup?: (cpsbackup.BackupSummary.$Properties|null);

            /** RestoreEnd entries */
            entries?: (number|Long|null);

            /** RestoreEnd bytes */
            bytes?: (number|Long|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a RestoreEnd. */
        type $Shape = cpsbackup.RestoreEnd.$Properties;
    }

    /**
     * Properties of a DeleteRequest.
     * @deprecated Use cpsbackup.DeleteRequest.$Properties instead.
     */
    interface IDeleteRequest extends cpsbackup.DeleteRequest.$Properties {
    }

    /** Represents a DeleteRequest. */
    class DeleteRequest {

        /**
         * Constructs a new DeleteRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.DeleteRequest.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** DeleteRequest number. */
        number: (number|Long);

        /**
         * Creates a new DeleteRequest instance using the specified properties.
         * @param [properties] Properties to set
         * @returns DeleteRequest instance
         */
        static create(properties: cpsbackup.DeleteRequest.$Shape): cpsbackup.DeleteRequest & cpsbackup.DeleteRequest.$Shape;
        static create(properties?: cpsbackup.DeleteRequest.$Properties): cpsbackup.DeleteRequest;

        /**
         * Encodes the specified DeleteRequest message. Does not implicitly {@link cpsbackup.DeleteRequest.verify|verify} messages.
         * @param message DeleteRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.DeleteRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a DeleteRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.DeleteRequest & cpsbackup.DeleteRequest.$Shape} DeleteRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.DeleteRequest & cpsbackup.DeleteRequest.$Shape;
    }

    namespace DeleteRequest {

        /** Properties of a DeleteRequest. */
        interface $Properties {

            /** DeleteRequest number */
            number?: (number|Long|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a DeleteRequest. */
        type $Shape = cpsbackup.DeleteRequest.$Properties;
    }

    /**
     * Properties of a DeleteDone.
     * @deprecated Use cpsbackup.DeleteDone.$Properties instead.
     */
    interface IDeleteDone extends cpsbackup.DeleteDone.$Properties {
    }

    /** Represents a DeleteDone. */
    class DeleteDone {

        /**
         * Constructs a new DeleteDone.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.DeleteDone.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** DeleteDone number. */
        number: (number|Long);

        /**
         * Creates a new DeleteDone instance using the specified properties.
         * @param [properties] Properties to set
         * @returns DeleteDone instance
         */
        static create(properties: cpsbackup.DeleteDone.$Shape): cpsbackup.DeleteDone & cpsbackup.DeleteDone.$Shape;
        static create(properties?: cpsbackup.DeleteDone.$Properties): cpsbackup.DeleteDone;

        /**
         * Encodes the specified DeleteDone message. Does not implicitly {@link cpsbackup.DeleteDone.verify|verify} messages.
         * @param message DeleteDone message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.DeleteDone.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a DeleteDone message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.DeleteDone & cpsbackup.DeleteDone.$Shape} DeleteDone
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.DeleteDone & cpsbackup.DeleteDone.$Shape;
    }

    namespace DeleteDone {

        /** Properties of a DeleteDone. */
        interface $Properties {

            /** DeleteDone number */
            number?: (number|Long|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a DeleteDone. */
        type $Shape = cpsbackup.DeleteDone.$Properties;
    }

    /**
     * Properties of an EnrolRequest.
     * @deprecated Use cpsbackup.EnrolRequest.$Properties instead.
     */
    interface IEnrolRequest extends cpsbackup.EnrolRequest.$Properties {
    }

    /** Represents an EnrolRequest. */
    class EnrolRequest {

        /**
         * Constructs a new EnrolRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.EnrolRequest.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** EnrolRequest protocolVersion. */
        protocolVersion: number;

        /** EnrolRequest clientName. */
        clientName: string;

        /** EnrolRequest password. */
        password: string;

        /** EnrolRequest csrPem. */
        csrPem: string;

        /**
         * Creates a new EnrolRequest instance using the specified properties.
         * @param [properties] Properties to set
         * @returns EnrolRequest instance
         */
        static create(properties: cpsbackup.EnrolRequest.$Shape): cpsbackup.EnrolRequest & cpsbackup.EnrolRequest.$Shape;
        static create(properties?: cpsbackup.EnrolRequest.$Properties): cpsbackup.EnrolRequest;

        /**
         * Encodes the specified EnrolRequest message. Does not implicitly {@link cpsbackup.EnrolRequest.verify|verify} messages.
         * @param message EnrolRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.EnrolRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an EnrolRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.EnrolRequest & cpsbackup.EnrolRequest.$Shape} EnrolRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.EnrolRequest & cpsbackup.EnrolRequest.$Shape;
    }

    namespace EnrolRequest {

        /** Properties of an EnrolRequest. */
        interface $Properties {

            /** EnrolRequest protocolVersion */
            protocolVersion?: (number|null);

            /** EnrolRequest clientName */
            clientName?: (string|null);

            /** EnrolRequest password */
            password?: (string|null);

            /** EnrolRequest csrPem */
            csrPem?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an EnrolRequest. */
        type $Shape = cpsbackup.EnrolRequest.$Properties;
    }

    /**
     * Properties of an EnrolDone.
     * @deprecated Use cpsbackup.EnrolDone.$Properties instead.
     */
    interface IEnrolDone extends cpsbackup.EnrolDone.$Properties {
    }

    /** Represents an EnrolDone. */
    class EnrolDone {

        /**
         * Constructs a new EnrolDone.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.EnrolDone.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** EnrolDone certPem. */
        certPem: string;

        /** EnrolDone caPem. */
        caPem: string;

        /**
         * Creates a new EnrolDone instance using the specified properties.
         * @param [properties] Properties to set
         * @returns EnrolDone instance
         */
        static create(properties: cpsbackup.EnrolDone.$Shape): cpsbackup.EnrolDone & cpsbackup.EnrolDone.$Shape;
        static create(properties?: cpsbackup.EnrolDone.$Properties): cpsbackup.EnrolDone;

        /**
         * Encodes the specified EnrolDone message. Does not implicitly {@link cpsbackup.EnrolDone.verify|verify} messages.
         * @param message EnrolDone message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.EnrolDone.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes an EnrolDone message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.EnrolDone & cpsbackup.EnrolDone.$Shape} EnrolDone
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.EnrolDone & cpsbackup.EnrolDone.$Shape;
    }

    namespace EnrolDone {

        /** Properties of an EnrolDone. */
        interface $Properties {

            /** EnrolDone certPem */
            certPem?: (string|null);

            /** EnrolDone caPem */
            caPem?: (string|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of an EnrolDone. */
        type $Shape = cpsbackup.EnrolDone.$Properties;
    }

    /**
     * Properties of a VerifyRequest.
     * @deprecated Use cpsbackup.VerifyRequest.$Properties instead.
     */
    interface IVerifyRequest extends cpsbackup.VerifyRequest.$Properties {
    }

    /** Represents a VerifyRequest. */
    class VerifyRequest {

        /**
         * Constructs a new VerifyRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.VerifyRequest.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** VerifyRequest number. */
        number: (number|Long);

        /**
         * Creates a new VerifyRequest instance using the specified properties.
         * @param [properties] Properties to set
         * @returns VerifyRequest instance
         */
        static create(properties: cpsbackup.VerifyRequest.$Shape): cpsbackup.VerifyRequest & cpsbackup.VerifyRequest.$Shape;
        static create(properties?: cpsbackup.VerifyRequest.$Properties): cpsbackup.VerifyRequest;

        /**
         * Encodes the specified VerifyRequest message. Does not implicitly {@link cpsbackup.VerifyRequest.verify|verify} messages.
         * @param message VerifyRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.VerifyRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a VerifyRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.VerifyRequest & cpsbackup.VerifyRequest.$Shape} VerifyRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.VerifyRequest & cpsbackup.VerifyRequest.$Shape;
    }

    namespace VerifyRequest {

        /** Properties of a VerifyRequest. */
        interface $Properties {

            /** VerifyRequest number */
            number?: (number|Long|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a VerifyRequest. */
        type $Shape = cpsbackup.VerifyRequest.$Properties;
    }

    /**
     * Properties of a DamagedBackup.
     * @deprecated Use cpsbackup.DamagedBackup.$Properties instead.
     */
    interface IDamagedBackup extends cpsbackup.DamagedBackup.$Properties {
    }

    /** Represents a DamagedBackup. */
    class DamagedBackup {

        /**
         * Constructs a new DamagedBackup.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.DamagedBackup.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** DamagedBackup number. */
        number: (number|Long);

        /** DamagedBackup manifestDamaged. */
        manifestDamaged: boolean;

        /** DamagedBackup files. */
        files: string[];

        /**
         * Creates a new DamagedBackup instance using the specified properties.
         * @param [properties] Properties to set
         * @returns DamagedBackup instance
         */
        static create(properties: cpsbackup.DamagedBackup.$Shape): cpsbackup.DamagedBackup & cpsbackup.DamagedBackup.$Shape;
        static create(properties?: cpsbackup.DamagedBackup.$Properties): cpsbackup.DamagedBackup;

        /**
         * Encodes the specified DamagedBackup message. Does not implicitly {@link cpsbackup.DamagedBackup.verify|verify} messages.
         * @param message DamagedBackup message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.DamagedBackup.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a DamagedBackup message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.DamagedBackup & cpsbackup.DamagedBackup.$Shape} DamagedBackup
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.DamagedBackup & cpsbackup.DamagedBackup.$Shape;
    }

    namespace DamagedBackup {

        /** Properties of a DamagedBackup. */
        interface $Properties {

            /** DamagedBackup number */
            number?: (number|Long|null);

            /** DamagedBackup manifestDamaged */
            manifestDamaged?: (boolean|null);

            /** DamagedBackup files */
            files?: (string[]|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a DamagedBackup. */
        type $Shape = cpsbackup.DamagedBackup.$Properties;
    }

    /**
     * Properties of a VerifyResult.
     * @deprecated Use cpsbackup.VerifyResult.$Properties instead.
     */
    interface IVerifyResult extends cpsbackup.VerifyResult.$Properties {
    }

    /** Represents a VerifyResult. */
    class VerifyResult {

        /**
         * Constructs a new VerifyResult.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.VerifyResult.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** VerifyResult ok. */
        ok: boolean;

        /** VerifyResult chunksChecked. */
        chunksChecked: (number|Long);

        /** VerifyResult bytesChecked. */
        bytesChecked: (number|Long);

        /** VerifyResult badChunks. */
        badChunks: (number|Long);

        /** VerifyResult damaged. */
        damaged: cpsbackup.DamagedBackup.$Properties[];

        /** VerifyResult catalogProblems. */
        catalogProblems: string[];

        /**
         * Creates a new VerifyResult instance using the specified properties.
         * @param [properties] Properties to set
         * @returns VerifyResult instance
         */
        static create(properties: cpsbackup.VerifyResult.$Shape): cpsbackup.VerifyResult & cpsbackup.VerifyResult.$Shape;
        static create(properties?: cpsbackup.VerifyResult.$Properties): cpsbackup.VerifyResult;

        /**
         * Encodes the specified VerifyResult message. Does not implicitly {@link cpsbackup.VerifyResult.verify|verify} messages.
         * @param message VerifyResult message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.VerifyResult.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a VerifyResult message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.VerifyResult & cpsbackup.VerifyResult.$Shape} VerifyResult
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.VerifyResult & cpsbackup.VerifyResult.$Shape;
    }

    namespace VerifyResult {

        /** Properties of a VerifyResult. */
        interface $Properties {

            /** VerifyResult ok */
            ok?: (boolean|null);

            /** VerifyResult chunksChecked */
            chunksChecked?: (number|Long|null);

            /** VerifyResult bytesChecked */
            bytesChecked?: (number|Long|null);

            /** VerifyResult badChunks */
            badChunks?: (number|Long|null);

            /** VerifyResult damaged */
            damaged?: (cpsbackup.DamagedBackup.$Properties[]|null);

            /** VerifyResult catalogProblems */
            catalogProblems?: (string[]|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a VerifyResult. */
        type $Shape = cpsbackup.VerifyResult.$Properties;
    }

    /**
     * Properties of a BackupTree.
     * @deprecated Use cpsbackup.BackupTree.$Properties instead.
     */
    interface IBackupTree extends cpsbackup.BackupTree.$Properties {
    }

    /** Represents a BackupTree. */
    class BackupTree {

        /**
         * Constructs a new BackupTree.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.BackupTree.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** BackupTree backup. */
        backup?: (cpsbackup.BackupSummary.$Properties|null);

        /** BackupTree root. */
        root: Uint8Array[];

        /** BackupTree format. */
        format: number;

        /**
         * Creates a new BackupTree instance using the specified properties.
         * @param [properties] Properties to set
         * @returns BackupTree instance
         */
        static create(properties: cpsbackup.BackupTree.$Shape): cpsbackup.BackupTree & cpsbackup.BackupTree.$Shape;
        static create(properties?: cpsbackup.BackupTree.$Properties): cpsbackup.BackupTree;

        /**
         * Encodes the specified BackupTree message. Does not implicitly {@link cpsbackup.BackupTree.verify|verify} messages.
         * @param message BackupTree message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.BackupTree.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a BackupTree message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.BackupTree & cpsbackup.BackupTree.$Shape} BackupTree
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.BackupTree & cpsbackup.BackupTree.$Shape;
    }

    namespace BackupTree {

        /** Properties of a BackupTree. */
        interface $Properties {

            /** BackupTree backup */
            backup?: (cpsbackup.BackupSummary.$Properties|null);

            /** BackupTree root */
            root?: (Uint8Array[]|null);

            /** BackupTree format */
            format?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a BackupTree. */
        type $Shape = cpsbackup.BackupTree.$Properties;
    }

    /**
     * Properties of a ReadChunks.
     * @deprecated Use cpsbackup.ReadChunks.$Properties instead.
     */
    interface IReadChunks extends cpsbackup.ReadChunks.$Properties {
    }

    /** Represents a ReadChunks. */
    class ReadChunks {

        /**
         * Constructs a new ReadChunks.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.ReadChunks.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** ReadChunks ids. */
        ids: Uint8Array[];

        /** ReadChunks done. */
        done: boolean;

        /**
         * Creates a new ReadChunks instance using the specified properties.
         * @param [properties] Properties to set
         * @returns ReadChunks instance
         */
        static create(properties: cpsbackup.ReadChunks.$Shape): cpsbackup.ReadChunks & cpsbackup.ReadChunks.$Shape;
        static create(properties?: cpsbackup.ReadChunks.$Properties): cpsbackup.ReadChunks;

        /**
         * Encodes the specified ReadChunks message. Does not implicitly {@link cpsbackup.ReadChunks.verify|verify} messages.
         * @param message ReadChunks message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.ReadChunks.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a ReadChunks message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.ReadChunks & cpsbackup.ReadChunks.$Shape} ReadChunks
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.ReadChunks & cpsbackup.ReadChunks.$Shape;
    }

    namespace ReadChunks {

        /** Properties of a ReadChunks. */
        interface $Properties {

            /** ReadChunks ids */
            ids?: (Uint8Array[]|null);

            /** ReadChunks done */
            done?: (boolean|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a ReadChunks. */
        type $Shape = cpsbackup.ReadChunks.$Properties;
    }

    /**
     * Properties of a KeyRequest.
     * @deprecated Use cpsbackup.KeyRequest.$Properties instead.
     */
    interface IKeyRequest extends cpsbackup.KeyRequest.$Properties {
    }

    /** Represents a KeyRequest. */
    class KeyRequest {

        /**
         * Constructs a new KeyRequest.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.KeyRequest.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** KeyRequest wrappedKey. */
        wrappedKey: Uint8Array;

        /** KeyRequest store. */
        store: boolean;

        /** KeyRequest keyId. */
        keyId: Uint8Array;

        /** KeyRequest oldBackups. */
        oldBackups: cpsbackup.OldBackups;

        /**
         * Creates a new KeyRequest instance using the specified properties.
         * @param [properties] Properties to set
         * @returns KeyRequest instance
         */
        static create(properties: cpsbackup.KeyRequest.$Shape): cpsbackup.KeyRequest & cpsbackup.KeyRequest.$Shape;
        static create(properties?: cpsbackup.KeyRequest.$Properties): cpsbackup.KeyRequest;

        /**
         * Encodes the specified KeyRequest message. Does not implicitly {@link cpsbackup.KeyRequest.verify|verify} messages.
         * @param message KeyRequest message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.KeyRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a KeyRequest message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.KeyRequest & cpsbackup.KeyRequest.$Shape} KeyRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.KeyRequest & cpsbackup.KeyRequest.$Shape;
    }

    namespace KeyRequest {

        /** Properties of a KeyRequest. */
        interface $Properties {

            /** KeyRequest wrappedKey */
            wrappedKey?: (Uint8Array|null);

            /** KeyRequest store */
            store?: (boolean|null);

            /** KeyRequest keyId */
            keyId?: (Uint8Array|null);

            /** KeyRequest oldBackups */
            oldBackups?: (cpsbackup.OldBackups|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a KeyRequest. */
        type $Shape = cpsbackup.KeyRequest.$Properties;
    }

    /** OldBackups enum. */
    enum OldBackups {

        /** OLD_BACKUPS_REFUSE value */
        OLD_BACKUPS_REFUSE = 0,

        /** OLD_BACKUPS_DELETE value */
        OLD_BACKUPS_DELETE = 1,

        /** OLD_BACKUPS_KEEP value */
        OLD_BACKUPS_KEEP = 2,

        /** OLD_BACKUPS_NONE value */
        OLD_BACKUPS_NONE = 3
    }

    /**
     * Properties of a KeyReply.
     * @deprecated Use cpsbackup.KeyReply.$Properties instead.
     */
    interface IKeyReply extends cpsbackup.KeyReply.$Properties {
    }

    /** Represents a KeyReply. */
    class KeyReply {

        /**
         * Constructs a new KeyReply.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.KeyReply.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** KeyReply wrappedKey. */
        wrappedKey: Uint8Array;

        /** KeyReply keyId. */
        keyId: Uint8Array;

        /** KeyReply backups. */
        backups: cpsbackup.KeyBackups.$Properties[];

        /** KeyReply deleted. */
        deleted: number;

        /**
         * Creates a new KeyReply instance using the specified properties.
         * @param [properties] Properties to set
         * @returns KeyReply instance
         */
        static create(properties: cpsbackup.KeyReply.$Shape): cpsbackup.KeyReply & cpsbackup.KeyReply.$Shape;
        static create(properties?: cpsbackup.KeyReply.$Properties): cpsbackup.KeyReply;

        /**
         * Encodes the specified KeyReply message. Does not implicitly {@link cpsbackup.KeyReply.verify|verify} messages.
         * @param message KeyReply message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.KeyReply.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a KeyReply message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.KeyReply & cpsbackup.KeyReply.$Shape} KeyReply
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.KeyReply & cpsbackup.KeyReply.$Shape;
    }

    namespace KeyReply {

        /** Properties of a KeyReply. */
        interface $Properties {

            /** KeyReply wrappedKey */
            wrappedKey?: (Uint8Array|null);

            /** KeyReply keyId */
            keyId?: (Uint8Array|null);

            /** KeyReply backups */
            backups?: (cpsbackup.KeyBackups.$Properties[]|null);

            /** KeyReply deleted */
            deleted?: (number|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a KeyReply. */
        type $Shape = cpsbackup.KeyReply.$Properties;
    }

    /**
     * Properties of a KeyBackups.
     * @deprecated Use cpsbackup.KeyBackups.$Properties instead.
     */
    interface IKeyBackups extends cpsbackup.KeyBackups.$Properties {
    }

    /** Represents a KeyBackups. */
    class KeyBackups {

        /**
         * Constructs a new KeyBackups.
         * @param [properties] Properties to set
         */
        constructor(properties?: cpsbackup.KeyBackups.$Properties);

        /** Unknown fields preserved while decoding when enabled */
        $unknowns?: Uint8Array[];

        /** KeyBackups keyId. */
        keyId: Uint8Array;

        /** KeyBackups count. */
        count: number;

        /** KeyBackups oldest. */
        oldest: (number|Long);

        /** KeyBackups newest. */
        newest: (number|Long);

        /**
         * Creates a new KeyBackups instance using the specified properties.
         * @param [properties] Properties to set
         * @returns KeyBackups instance
         */
        static create(properties: cpsbackup.KeyBackups.$Shape): cpsbackup.KeyBackups & cpsbackup.KeyBackups.$Shape;
        static create(properties?: cpsbackup.KeyBackups.$Properties): cpsbackup.KeyBackups;

        /**
         * Encodes the specified KeyBackups message. Does not implicitly {@link cpsbackup.KeyBackups.verify|verify} messages.
         * @param message KeyBackups message or plain object to encode
         * @param [writer] Writer to encode to
         * @returns Writer
         */
        static encode(message: cpsbackup.KeyBackups.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

        /**
         * Decodes a KeyBackups message from the specified reader or buffer.
         * @param reader Reader or buffer to decode from
         * @param [length] Message length if known beforehand
         * @returns {cpsbackup.KeyBackups & cpsbackup.KeyBackups.$Shape} KeyBackups
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): cpsbackup.KeyBackups & cpsbackup.KeyBackups.$Shape;
    }

    namespace KeyBackups {

        /** Properties of a KeyBackups. */
        interface $Properties {

            /** KeyBackups keyId */
            keyId?: (Uint8Array|null);

            /** KeyBackups count */
            count?: (number|null);

            /** KeyBackups oldest */
            oldest?: (number|Long|null);

            /** KeyBackups newest */
            newest?: (number|Long|null);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];
        }

        /** Shape of a KeyBackups. */
        type $Shape = cpsbackup.KeyBackups.$Properties;
    }
}
