package humaneval.buggy;

public class NEG {
    public static int neg(int x) {
        return x;
    }
}
