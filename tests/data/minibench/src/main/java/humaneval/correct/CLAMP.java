package humaneval.buggy;

public class CLAMP {
    private static int lo() {
        return 0;
    }

    public static int clamp(int x, int hi) {
        if (x < lo()) return lo();
        if (x > hi) return hi;
        return x;
    }

    public static int unused() {
        return 42;
    }
}
