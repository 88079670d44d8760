import BenchmarkFunctions
import LongRoPE
import NAMM
import Pause
import RunLoop

extension ObjectiveRegistry {
    /// Every objective ctxevo searches. Adding one is its module and a line here.
    public static let standard = ObjectiveRegistry([
        BenchmarkMethod(),
        LongRoPEMethod(),
        NAMMMethod(),
        PauseMethod(),
    ])
}
