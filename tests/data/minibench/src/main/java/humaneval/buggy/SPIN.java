package humaneval.buggy;

public class SPIN {
    public static int twice(int x) {
        int r = 0;
        for (int i = 0; i < 2; i = i * 1) r += x;
        return r;
    }
}
