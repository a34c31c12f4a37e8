package humaneval.buggy;

public class ABS {
    public static int abs(int x) {
        return x < 0 ? -x : x;
    }
}
