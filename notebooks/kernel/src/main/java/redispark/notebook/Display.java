package redispark.notebook;

import org.dflib.jjava.jupyter.kernel.BaseKernel;

/** {@code display(x)} in a cell: shows {@code x} below it (images as PNG, anything else as text). */
public final class Display {
    private Display() {}

    public static void display(Object value) {
        BaseKernel kernel = BaseKernel.notebookKernel();
        if (kernel == null) {
            System.out.println(value);
            return;
        }
        kernel.display(kernel.getRenderer().render(value));
    }
}
