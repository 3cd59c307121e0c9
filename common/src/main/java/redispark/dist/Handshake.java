package redispark.dist;

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
 * connector (rank a, dials its successor b)          acceptor (rank b, accepts its predecessor a)
 *   HELLO  a, b, world, runId, attempt, nonceA   ->
 *                                                <-  REPLY  b, a, world, runId, attempt, nonceB, mac(nonceA; b -> a)
 *   PROOF  mac(nonceB; a -> b)                   ->
 *                                                <-  OK
 * mac(n; s -> r) = HMAC-SHA256(secret, n || len(runId) || runId || attempt || s || r)
 * </pre>
 *
 * Either side that finds a mismatch (run id, attempt, world size, rank, or a MAC that does not verify: wrong secret)
 * sends REFUSE with the reason, closes, and throws; the other side reads the REFUSE and throws with that reason, so
 * both fail at once with a clear message. Every frame is {@code magic, length, type, body}; a connection that does
 * not start with the magic is {@link Foreign} (a port scanner, a stale client) and the acceptor ignores it.
 */
final class Handshake {

    static final int MAGIC = 0x52445350; // "RDSP"
    static final int VERSION = 1;
    private static final int NONCE_BYTES = 32;
    private static final int MAX_FRAME = 4096;

    private static final byte HELLO = 1;
    private static final byte REPLY = 2;
    private static final byte PROOF = 3;
    private static final byte OK = 4;
    private static final byte REFUSE = 5;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {}

    /** The connection does not speak this protocol at all; the acceptor skips it and keeps waiting. */
    static final class Foreign extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Foreign(String message) {
            super(message, null, false, false);
        }
    }

    /** What one side claims about itself in HELLO or REPLY. */
    private record Claim(int sender, int receiver, int world, int version, String runId, int attempt, byte[] nonce) {}

    /** Runs the connector side: this rank dials {@code rv.next()}. */
    static void connect(SocketChannel ch, Rendezvous rv, long deadline, Io.Blame blame) {
        byte[] nonce = nonce();
        int self = rv.rank();
        int peer = rv.next();
        send(ch, HELLO, claim(rv, peer, nonce, null), deadline, blame);
        Frame reply = receive(ch, deadline, blame, false);
        if (reply.type == REFUSE) {
            throw HandshakeRefusedException.of(blame.fail("the peer refused this rank: " + reply.text(), null));
        }
        expect(reply, REPLY, blame);
        Claim claim;
        byte[] theirMac = new byte[32];
        try {
            claim = readClaim(reply.body);
            reply.body.get(theirMac);
        } catch (java.nio.BufferUnderflowException e) {
            throw blame.fail("the peer sent a truncated handshake reply", e);
        }
        String mismatch = mismatch(rv, claim, peer, self);
        if (mismatch != null) {
            refuse(ch, mismatch, deadline);
            throw HandshakeRefusedException.of(blame.fail("refused the peer: " + mismatch, null));
        }
        if (!MessageDigest.isEqual(theirMac, mac(rv, nonce, peer, self))) {
            String reason = "rank " + peer + " could not prove it knows the run secret (wrong secret?)";
            refuse(ch, reason, deadline);
            throw HandshakeRefusedException.of(blame.fail("refused the peer: " + reason, null));
        }
        ByteBuffer proof =
                ByteBuffer.allocate(32).put(mac(rv, claim.nonce, self, peer)).flip();
        send(ch, PROOF, proof, deadline, blame);
        Frame verdict = receive(ch, deadline, blame, false);
        if (verdict.type == REFUSE) {
            throw HandshakeRefusedException.of(blame.fail("the peer refused this rank: " + verdict.text(), null));
        }
        expect(verdict, OK, blame);
    }

    /**
     * Runs the acceptor side: only {@code rv.previous()} may connect. Throws {@link Foreign} for connections that do
     * not speak the protocol, and a {@link CollectiveException} for a peer of this protocol that does not match.
     */
    static void accept(SocketChannel ch, Rendezvous rv, long deadline, Io.Blame blame) {
        int self = rv.rank();
        int peer = rv.previous();
        Frame hello = receive(ch, deadline, blame, true);
        if (hello.type != HELLO) {
            throw new Foreign("first frame has type " + hello.type + ", not HELLO");
        }
        Claim claim;
        try {
            claim = readClaim(hello.body);
        } catch (java.nio.BufferUnderflowException e) {
            throw new Foreign("HELLO is truncated");
        }
        String mismatch = mismatch(rv, claim, peer, self);
        if (mismatch != null) {
            refuse(ch, mismatch, deadline);
            throw HandshakeRefusedException.of(blame.fail("refused a connection: " + mismatch, null));
        }
        byte[] nonce = nonce();
        ByteBuffer body = claim(rv, peer, nonce, mac(rv, claim.nonce, self, peer));
        send(ch, REPLY, body, deadline, blame);
        Frame proof = receive(ch, deadline, blame, false);
        if (proof.type == REFUSE) {
            throw HandshakeRefusedException.of(blame.fail("the peer refused this rank: " + proof.text(), null));
        }
        expect(proof, PROOF, blame);
        byte[] theirMac = new byte[32];
        if (proof.body.remaining() != theirMac.length) {
            throw blame.fail("the peer sent a malformed handshake proof", null);
        }
        proof.body.get(theirMac);
        if (!MessageDigest.isEqual(theirMac, mac(rv, nonce, peer, self))) {
            String reason = "rank " + peer + " could not prove it knows the run secret (wrong secret?)";
            refuse(ch, reason, deadline);
            throw HandshakeRefusedException.of(blame.fail("refused a connection: " + reason, null));
        }
        send(ch, OK, ByteBuffer.allocate(0), deadline, blame);
    }

    /** Null when the claim is what this rank expects from {@code expectedSender}; otherwise the reason. */
    private static String mismatch(Rendezvous rv, Claim c, int expectedSender, int self) {
        if (c.version != VERSION) {
            return "protocol version " + c.version + " but this rank speaks " + VERSION;
        }
        if (!c.runId.equals(rv.runId()) || c.attempt != rv.attempt()) {
            return "the peer belongs to run '" + c.runId + "' attempt " + c.attempt + " but this rank to run '"
                    + rv.runId() + "' attempt " + rv.attempt();
        }
        if (c.world != rv.worldSize()) {
            return "the peer is in a world of " + c.world + " ranks, this rank in a world of " + rv.worldSize();
        }
        if (c.receiver != self) {
            return "rank " + c.sender + " meant to reach rank " + c.receiver + " but reached rank " + self;
        }
        if (c.sender != expectedSender) {
            return "rank " + c.sender + " connected but rank " + self + " only talks to rank " + expectedSender
                    + " on this link";
        }
        return null;
    }

    private static ByteBuffer claim(Rendezvous rv, int receiver, byte[] nonce, byte[] mac) {
        byte[] run = rv.runId().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 * 5 + 2 + run.length + NONCE_BYTES + (mac == null ? 0 : mac.length));
        b.putInt(VERSION)
                .putInt(rv.rank())
                .putInt(receiver)
                .putInt(rv.worldSize())
                .putInt(rv.attempt());
        b.putShort((short) run.length).put(run).put(nonce);
        if (mac != null) {
            b.put(mac);
        }
        return b.flip();
    }

    private static Claim readClaim(ByteBuffer b) {
        int version = b.getInt();
        int sender = b.getInt();
        int receiver = b.getInt();
        int world = b.getInt();
        int attempt = b.getInt();
        byte[] run = new byte[b.getShort() & 0xffff];
        b.get(run);
        byte[] nonce = new byte[NONCE_BYTES];
        b.get(nonce);
        return new Claim(sender, receiver, world, version, new String(run, StandardCharsets.UTF_8), attempt, nonce);
    }

    static byte[] mac(Rendezvous rv, byte[] nonce, int sender, int receiver) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(rv.secretUnsafe(), "HmacSHA256"));
            byte[] run = rv.runId().getBytes(StandardCharsets.UTF_8);
            ByteBuffer msg = ByteBuffer.allocate(nonce.length + 4 + run.length + 12);
            msg.put(nonce)
                    .putInt(run.length)
                    .put(run)
                    .putInt(rv.attempt())
                    .putInt(sender)
                    .putInt(receiver);
            return mac.doFinal(msg.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private record Frame(byte type, ByteBuffer body) {
        String text() {
            byte[] s = new byte[body.remaining()];
            body.get(s);
            return new String(s, StandardCharsets.UTF_8);
        }
    }

    private static void send(SocketChannel ch, byte type, ByteBuffer body, long deadline, Io.Blame blame) {
        ByteBuffer frame = ByteBuffer.allocate(9 + body.remaining());
        frame.putInt(MAGIC).putInt(1 + body.remaining()).put(type).put(body).flip();
        Io.writeFully(ch, frame, deadline, blame);
    }

    /** Best effort: tell the peer why, then the caller closes. Never blocks past the deadline or one second. */
    private static void refuse(SocketChannel ch, String reason, long deadline) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.wrap(text, 0, Math.min(text.length, MAX_FRAME - 16));
        try {
            send(
                    ch,
                    REFUSE,
                    body,
                    Math.min(deadline, System.nanoTime() + 1_000_000_000L),
                    (problem, cause) -> new CollectiveException(problem, -1, "handshake", cause));
        } catch (CollectiveException ignored) {
            // the peer may already be gone; the refusal is reported locally anyway
        }
    }

    /** Reads one frame; when {@code first}, a bad magic or early EOF means a foreign client. */
    private static Frame receive(SocketChannel ch, long deadline, Io.Blame blame, boolean first) {
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
            throw blame.fail("handshake frame of " + length + " bytes is out of range", null);
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        Io.readFully(ch, body, deadline, blame);
        body.flip();
        byte type = body.get();
        return new Frame(type, body.slice());
    }

    private static void expect(Frame f, byte type, Io.Blame blame) {
        if (f.type != type) {
            throw blame.fail("handshake frame of type " + f.type + " where " + type + " was expected", null);
        }
    }
}
