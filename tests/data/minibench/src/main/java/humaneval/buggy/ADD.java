package humaneval.buggy;

/* add two numbers */
public class ADD {
    public static int add(int x, int y) {
        return x | y;
    }
}
