package redispark.dist;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual authentication of the two ends of one ring link, before any data flows.
 *
 * <pre>
 * connector (rank c, dials its successor a)            acceptor (rank a, accepts its predecessor c)
 *   HELLO  version, c, a, world, attempt, flags, runId, nonceC  ->
 *                                                   <-  REPLY  nonceA, mac("acceptor", T)
 *   PROOF  mac("connector", T)                      ->
 *                                                   <-  OK
 * T   = version, world, runId, attempt, c, a, flags, nonceC, nonceA      (the whole transcript, length-prefixed)
 * mac = HMAC-SHA256(secret, label || T)
 * flags = frame sealing, wire format, links per edge, and the number of the link this connection is
 * frame key of the link = HMAC-SHA256(secret, "frame key" || T)          (see {@link FrameSeal})
 * </pre>
 *
 * Each proof covers both nonces, both ranks and its own role label, so no proof made for one connection, one
 * direction or one rank is accepted for another: a third party that relays one rank's reply as the other's proof,
 * or replays a recorded handshake, is refused. MACs are compared in constant time.
 *
 * <p>A side that finds a mismatch (version, run id, attempt, world size, ranks, frame sealing, or a MAC that does
 * not verify) sends REFUSE with a bare code, closes and throws with the detail; the REFUSE tells an unauthenticated
 * peer nothing about this run (no run id, attempt or rank). Every frame is {@code magic, length, type, body} with
 * the length capped at {@link #MAX_FRAME} before anything is allocated; a connection that does not start with the
 * magic is {@link Foreign} (a port scanner, a stale client).
 */
final class Handshake {

    static final int MAGIC = 0x52445350; // "RDSP"
    static final int VERSION = 3;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    /** The largest legitimate frame is a HELLO with a run id of {@link Rendezvous#MAX_RUN_ID_BYTES}. */
    static final int MAX_FRAME = 512;

    static final byte HELLO = 1;
    static final byte REPLY = 2;
    static final byte PROOF = 3;
    static final byte OK = 4;
    static final byte REFUSE = 5;

    /** REFUSE codes: all an unauthenticated peer learns. */
    static final byte REFUSED_NOT_A_MEMBER = 1;

    static final byte REFUSED_VERSION = 2;

    private static final int FLAG_FRAME_SEAL = 1;
    private static final int WIRE_FORMAT_SHIFT = 4;
    private static final int LINKS_SHIFT = 8;
    private static final int LINK_INDEX_SHIFT = 16;
    private static final byte[] ACCEPTOR_LABEL = label("redi-ring acceptor proof");
    private static final byte[] CONNECTOR_LABEL = label("redi-ring connector proof");
    private static final byte[] FRAME_KEY_LABEL = label("redi-ring frame key");

    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {}

    /** The connection does not speak this protocol at all; the acceptor drops it and keeps waiting. */
    static final class Foreign extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Foreign(String message) {
            super(message, null, false, false);
        }
    }

    /** An authenticated link: the channel and the key of its frame seals (null when sealing is off). */
    record Link(SocketChannel channel, byte[] frameKey, int index) {}

    /** What the connector says about itself in HELLO. */
    private record Hello(
            int version, int connector, int acceptor, int world, int attempt, int flags, String runId, byte[] nonce) {}

    /** Runs the connector side of link 0: this rank dials {@code rv.next()}. */
    static Link connect(SocketChannel ch, Rendezvous rv, long deadline, Io.Blame blame) {
        return connect(ch, rv, 0, deadline, blame);
    }

    /** Runs the connector side of link {@code link}: this rank dials {@code rv.next()}. */
    static Link connect(SocketChannel ch, Rendezvous rv, int link, long deadline, Io.Blame blame) {
        int self = rv.rank();
        int peer = rv.next();
        int flags = flags(rv) | link << LINK_INDEX_SHIFT;
        Hello hello = new Hello(VERSION, self, peer, rv.worldSize(), rv.attempt(), flags, rv.runId(), nonce());
        send(ch, HELLO, encode(hello), deadline, blame);
        Frame reply = receive(ch, deadline, blame, false);
        if (reply.type == REFUSE) {
            throw refusedBy(reply, rv, blame);
        }
        expect(reply, REPLY, 2 * MAC_BYTES, blame);
        byte[] acceptorNonce = new byte[NONCE_BYTES];
        byte[] acceptorMac = new byte[MAC_BYTES];
        reply.body.get(acceptorNonce).get(acceptorMac);
        byte[] transcript = transcript(hello, acceptorNonce);
        if (!MessageDigest.isEqual(acceptorMac, mac(rv, ACCEPTOR_LABEL, transcript))) {
            refuse(ch, REFUSED_NOT_A_MEMBER, deadline);
            throw HandshakeRefusedException.of(blame.fail(
                    "refused the peer: rank " + peer + " could not prove it knows the run secret (wrong secret?)",
                    null));
        }
        send(ch, PROOF, ByteBuffer.wrap(mac(rv, CONNECTOR_LABEL, transcript)), deadline, blame);
        Frame verdict = receive(ch, deadline, blame, false);
        if (verdict.type == REFUSE) {
            throw refusedBy(verdict, rv, blame);
        }
        expect(verdict, OK, 0, blame);
        return new Link(ch, frameKey(rv, transcript), link);
    }

    /**
     * Runs the acceptor side: only {@code rv.previous()} may connect. Throws {@link Foreign} for connections that do
     * not speak the protocol, {@link HandshakeRefusedException} for a peer of this protocol that does not belong to
     * this ring (with the detail, for this rank's log only), and {@link CollectiveException} on transport errors.
     */
    static Link accept(SocketChannel ch, Rendezvous rv, long deadline, Io.Blame blame) {
        Frame first = receive(ch, deadline, blame, true);
        if (first.type != HELLO) {
            throw new Foreign("first frame has type " + first.type + ", not HELLO");
        }
        Hello hello;
        try {
            hello = decodeHello(first.body);
        } catch (BufferUnderflowException e) {
            throw new Foreign("HELLO is truncated");
        }
        if (hello.version != VERSION) {
            refuse(ch, REFUSED_VERSION, deadline);
            throw HandshakeRefusedException.of(blame.fail(
                    "refused a connection that speaks ring protocol version " + hello.version + ", this rank " + VERSION
                            + " (a peer from another build of redi-spark)",
                    null));
        }
        String mismatch = mismatch(rv, hello);
        if (mismatch != null) {
            refuse(ch, REFUSED_NOT_A_MEMBER, deadline);
            throw HandshakeRefusedException.of(blame.fail("refused a connection: " + mismatch, null));
        }
        byte[] acceptorNonce = nonce();
        byte[] transcript = transcript(hello, acceptorNonce);
        ByteBuffer reply = ByteBuffer.allocate(2 * MAC_BYTES)
                .put(acceptorNonce)
                .put(mac(rv, ACCEPTOR_LABEL, transcript))
                .flip();
        send(ch, REPLY, reply, deadline, blame);
        Frame proof = receive(ch, deadline, blame, false);
        if (proof.type == REFUSE) {
            throw HandshakeRefusedException.of(blame.fail(
                    "the connection claiming to be rank " + hello.connector + " refused this rank's proof of the run"
                            + " secret (the two hold different secrets?)",
                    null));
        }
        expect(proof, PROOF, MAC_BYTES, blame);
        byte[] connectorMac = new byte[MAC_BYTES];
        proof.body.get(connectorMac);
        if (!MessageDigest.isEqual(connectorMac, mac(rv, CONNECTOR_LABEL, transcript))) {
            refuse(ch, REFUSED_NOT_A_MEMBER, deadline);
            throw HandshakeRefusedException.of(blame.fail(
                    "refused a connection: the peer claiming to be rank " + hello.connector
                            + " could not prove it knows the run secret (wrong secret, or a relayed or replayed"
                            + " handshake)",
                    null));
        }
        send(ch, OK, ByteBuffer.allocate(0), deadline, blame);
        return new Link(ch, frameKey(rv, transcript), hello.flags >>> LINK_INDEX_SHIFT);
    }

    /** Null when the HELLO is what this rank expects from its predecessor; otherwise the reason, for the local log. */
    private static String mismatch(Rendezvous rv, Hello h) {
        String claimed = "the peer claims rank " + h.connector + " -> " + h.acceptor + " of a world of " + h.world
                + " in run '" + printable(h.runId) + "' attempt " + h.attempt + " with frame seals "
                + onOff(h.flags) + "; this rank is rank " + rv.rank() + " of a world of " + rv.worldSize()
                + " in run '" + rv.runId() + "' attempt " + rv.attempt() + " with frame seals " + onOff(flags(rv));
        if (!h.runId.equals(rv.runId()) || h.attempt != rv.attempt()) {
            return "another run or attempt: " + claimed;
        }
        if (h.world != rv.worldSize()) {
            return "another world size: " + claimed;
        }
        if (h.acceptor != rv.rank()) {
            return "rank " + h.connector + " meant to reach rank " + h.acceptor + " but reached rank " + rv.rank()
                    + ": " + claimed;
        }
        if (h.connector != rv.previous()) {
            return "rank " + h.connector + " connected but rank " + rv.rank() + " only accepts rank " + rv.previous()
                    + " on this link: " + claimed;
        }
        if ((h.flags & ((1 << LINK_INDEX_SHIFT) - 1)) != flags(rv)) {
            return "frame sealing, links per edge or wire format differ: " + claimed + " (links/wire flags "
                    + (h.flags & ((1 << LINK_INDEX_SHIFT) - 1) & ~FLAG_FRAME_SEAL) + ", this rank "
                    + (flags(rv) & ~FLAG_FRAME_SEAL) + ")";
        }
        if (h.flags >>> LINK_INDEX_SHIFT >= rv.links()) {
            return "link " + (h.flags >>> LINK_INDEX_SHIFT) + " of " + rv.links() + ": " + claimed;
        }
        return null;
    }

    private static String onOff(int flags) {
        return (flags & FLAG_FRAME_SEAL) != 0 ? "on" : "off";
    }

    /** Seal bit, wire format, links per edge; the connector adds its link's number above them. */
    private static int flags(Rendezvous rv) {
        return (rv.sealFrames() ? FLAG_FRAME_SEAL : 0)
                | rv.wireFormat().ordinal() << WIRE_FORMAT_SHIFT
                | rv.links() << LINKS_SHIFT;
    }

    /** A peer-supplied string made safe for a log line: control characters escaped, at most 80 characters. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.length() < s.length() ? b + "..." : b.toString();
    }

    private static HandshakeRefusedException refusedBy(Frame refusal, Rendezvous rv, Io.Blame blame) {
        byte code = refusal.body.hasRemaining() ? refusal.body.get() : 0;
        String why = code == REFUSED_VERSION
                ? "it speaks another version of the ring protocol (another build of redi-spark)"
                : "this rank is not a member of its ring (another run, attempt, world size, rank, frame sealing or"
                        + " secret)";
        return HandshakeRefusedException.of(blame.fail(
                "the peer refused rank " + rv.rank() + " of run '" + rv.runId() + "' attempt " + rv.attempt() + ": "
                        + why,
                null));
    }

    // ------------------------------------------------------------------------------------------- encoding

    private static ByteBuffer encode(Hello h) {
        byte[] run = h.runId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(6 * Integer.BYTES + Short.BYTES + run.length + NONCE_BYTES);
        b.putInt(h.version)
                .putInt(h.connector)
                .putInt(h.acceptor)
                .putInt(h.world)
                .putInt(h.attempt)
                .putInt(h.flags);
        b.putShort((short) run.length).put(run).put(h.nonce);
        return b.flip();
    }

    /** Reads a HELLO; the version comes first, so a peer of another version is still told so. */
    private static Hello decodeHello(ByteBuffer b) {
        int version = b.getInt();
        if (version != VERSION) {
            return new Hello(version, -1, -1, -1, -1, 0, "", new byte[0]);
        }
        int connector = b.getInt();
        int acceptor = b.getInt();
        int world = b.getInt();
        int attempt = b.getInt();
        int flags = b.getInt();
        int runLength = b.getShort() & 0xffff;
        if (runLength > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] run = new byte[runLength];
        b.get(run);
        byte[] nonce = new byte[NONCE_BYTES];
        b.get(nonce);
        return new Hello(
                version, connector, acceptor, world, attempt, flags, new String(run, StandardCharsets.UTF_8), nonce);
    }

    /** The whole handshake, every field with a fixed width or a length prefix, so two transcripts never collide. */
    private static byte[] transcript(Hello h, byte[] acceptorNonce) {
        byte[] run = h.runId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(7 * Integer.BYTES + run.length + 2 * NONCE_BYTES)
                .putInt(h.version)
                .putInt(h.world)
                .putInt(run.length)
                .put(run)
                .putInt(h.attempt)
                .putInt(h.connector)
                .putInt(h.acceptor)
                .putInt(h.flags)
                .put(h.nonce)
                .put(acceptorNonce)
                .array();
    }

    private static byte[] frameKey(Rendezvous rv, byte[] transcript) {
        return rv.sealFrames() ? mac(rv, FRAME_KEY_LABEL, transcript) : null;
    }

    static byte[] mac(Rendezvous rv, byte[] label, byte[] transcript) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(rv.secretUnsafe(), "HmacSHA256"));
            mac.update(label);
            return mac.doFinal(transcript);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    /** A label with its length in front, so that label || transcript is unambiguous. */
    private static byte[] label(String text) {
        byte[] s = text.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(Integer.BYTES + s.length)
                .putInt(s.length)
                .put(s)
                .array();
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    // ------------------------------------------------------------------------------------------- frames

    record Frame(byte type, ByteBuffer body) {}

    static void send(SocketChannel ch, byte type, ByteBuffer body, long deadline, Io.Blame blame) {
        ByteBuffer frame = ByteBuffer.allocate(9 + body.remaining());
        frame.putInt(MAGIC).putInt(1 + body.remaining()).put(type).put(body).flip();
        Io.writeFully(ch, frame, deadline, blame);
    }

    /** Best effort: tell the peer no, then the caller closes. Never blocks past the deadline or one second. */
    private static void refuse(SocketChannel ch, byte code, long deadline) {
        try {
            send(
                    ch,
                    REFUSE,
                    ByteBuffer.wrap(new byte[] {code}),
                    Math.min(deadline, System.nanoTime() + 1_000_000_000L),
                    (problem, cause) -> new CollectiveException(problem, -1, "handshake", cause));
        } catch (CollectiveException ignored) {
            // the peer may already be gone; the refusal is reported locally anyway
        }
    }

    /**
     * Reads one frame, refusing a length outside 1..{@link #MAX_FRAME} before allocating anything; when
     * {@code first}, a bad magic or an early EOF means a foreign client.
     */
    static Frame receive(SocketChannel ch, long deadline, Io.Blame blame, boolean first) {
        ByteBuffer head = ByteBuffer.allocate(8);
        try {
            Io.readFully(ch, head, deadline, blame);
        } catch (CollectiveException e) {
            if (first && e.getCause() instanceof java.io.EOFException) {
                throw new Foreign("closed before sending HELLO");
            }
            throw e;
        }
        head.flip();
        int magic = head.getInt();
        int length = head.getInt();
        if (magic != MAGIC) {
            if (first) {
                throw new Foreign(String.format("bad magic 0x%08x", magic));
            }
            throw blame.fail(String.format("the peer does not speak this protocol (magic 0x%08x)", magic), null);
        }
        if (length < 1 || length > MAX_FRAME) {
            String problem = "announced a handshake frame of " + Integer.toUnsignedString(length) + " bytes (at most "
                    + MAX_FRAME + ")";
            if (first) {
                throw new Foreign(problem);
            }
            throw blame.fail("the peer " + problem, null);
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        Io.readFully(ch, body, deadline, blame);
        body.flip();
        byte type = body.get();
        return new Frame(type, body.slice());
    }

    private static void expect(Frame f, byte type, int bodyBytes, Io.Blame blame) {
        if (f.type != type) {
            throw blame.fail("handshake frame of type " + f.type + " where " + type + " was expected", null);
        }
        if (f.body.remaining() != bodyBytes) {
            throw blame.fail(
                    "handshake frame of type " + type + " has " + f.body.remaining() + " bytes, not " + bodyBytes,
                    null);
        }
    }
}
