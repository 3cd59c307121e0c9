package redispark.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A one-thread PyTorch engine and a root manager for the test class, closed after it. */
abstract class EngineTestBase {

    static NDManager root;

    @BeforeAll
    static void engine() {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void closeRoot() {
        root.close();
    }
}
